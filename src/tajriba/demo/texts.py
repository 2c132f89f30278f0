"""Feedback texts for the demo in Gulf and Egyptian Arabic, MSA, Persian and English.

Texts are composed from phrase banks per variety and topic (opener, one or two topic clauses with
slots for products, days, cities and staff names, a closer, sometimes emoji), so that thousands of
texts are mostly distinct and their sentiment follows the experience that produced them.
"""

from __future__ import annotations

import random

POS, NEG = "positive", "negative"

BANK: dict[str, dict[str, dict[str, list[str]]]] = {
    "gulf": {
        "delivery": {
            POS: [
                "الطلب وصلني بسرعة ما توقعتها",
                "المندوب وصل قبل الموعد وكان محترم",
                "التوصيل لـ{city} كان خلال يوم واحد بس",
            ],
            NEG: [
                "الطلب تأخر {days} أيام وما أحد رد علي",
                "المندوب ما اتصل وقال إنه ما لقى البيت",
                "للحين أنتظر الشحنة من {days} أيام",
            ],
        },
        "price": {
            POS: ["الأسعار مرة حلوة مقارنة بغيركم", "العرض على {product} كان يستاهل"],
            NEG: ["الأسعار غالية مرة", "رسوم الشحن طلعت لي في آخر خطوة وهذا مو حلو"],
        },
        "quality": {
            POS: ["{product} أصلي وجودته ممتازة", "الجودة فوق توقعاتي والتغليف مرتب"],
            NEG: ["{product} وصلني مكسور", "الجودة أقل من الصور بكثير"],
        },
        "staff": {
            POS: ["الموظف {agent} خدمني بكل احترام وحل المشكلة", "خدمة العملاء عندكم قمة في التعامل"],
            NEG: ["الموظف كان يرد ببرود وما ساعدني", "كل مرة أكلمكم يحولوني لموظف ثاني"],
        },
        "app": {
            POS: ["التطبيق سهل وسريع", "البحث في التطبيق يطلع لي اللي أبغاه على طول"],
            NEG: ["التطبيق يعلق وقت الدفع", "التطبيق يطلعني كل شوي وأضطر أسجل من جديد"],
        },
        "payment": {
            POS: ["الدفع بأبل باي سهل جدًا", "التقسيط مع تابي سهّل علي"],
            NEG: ["انخصم المبلغ مرتين من بطاقة مدى", "الدفع عند الاستلام ما كان متاح لحيّنا"],
        },
        "returns": {
            POS: ["رجعت {product} بدون أي تعقيد", "الاسترجاع كان سهل والمبلغ رجع بسرعة"],
            NEG: ["طلبت استرجاع من {days} أيام وللحين ما رجعت فلوسي", "سياسة الإرجاع معقدة مرة"],
        },
        "waiting": {
            POS: ["ردوا علي في دقايق", "ما انتظرت أبد في الاتصال"],
            NEG: ["انتظرت على الخط أكثر من نص ساعة", "راسلتكم واتساب وما ردوا إلا بعد يومين"],
        },
    },
    "egyptian": {
        "delivery": {
            POS: [
                "الأوردر وصل بسرعة جدًا",
                "المندوب كان محترم ووصل في ميعاده",
                "التوصيل لـ{city} كان في يوم واحد بس",
            ],
            NEG: [
                "الأوردر اتأخر {days} أيام ومحدش بيرد",
                "المندوب مجاش وقال إنه مالقاش العنوان",
                "لسه مستني الشحنة بقالي {days} أيام",
            ],
        },
        "price": {
            POS: ["الأسعار حلوة أوي بصراحة", "العرض على {product} كان لقطة"],
            NEG: ["الأسعار غالية أوي", "مصاريف الشحن ظهرت في الآخر خالص ودي مش حاجة لطيفة"],
        },
        "quality": {
            POS: ["{product} أصلي والجودة عالية", "الجودة أحسن من الصور والتغليف كويس"],
            NEG: ["{product} وصل مكسور", "الخامة وحشة ومش زي الصور خالص"],
        },
        "staff": {
            POS: ["{agent} من خدمة العملاء كان محترم جدًا وحل المشكلة", "خدمة العملاء ذوق جدًا"],
            NEG: ["الموظف كان بيكلمني بطريقة وحشة", "كل شوية يحولوني لحد تاني ومحدش عارف حاجة"],
        },
        "app": {
            POS: ["الأبلكيشن سهل وسريع", "البحث في الأبلكيشن بيجيب اللي عايزاه على طول"],
            NEG: ["الأبلكيشن بيهنج وقت الدفع", "الأبلكيشن بيخرجني كل شوية"],
        },
        "payment": {
            POS: ["الدفع عند الاستلام ريحني", "الدفع بالفيزا كان سهل"],
            NEG: ["الفلوس اتخصمت مرتين", "الدفع مش بيكمل ويقولي في مشكلة"],
        },
        "returns": {
            POS: ["رجعت {product} من غير أي مشاكل", "الاسترجاع كان سهل والفلوس رجعت بسرعة"],
            NEG: ["طلبت استرجاع من {days} أيام والفلوس لسه مارجعتش", "الإرجاع عندكم صعب جدًا"],
        },
        "waiting": {
            POS: ["ردوا عليا في دقايق", "مستنتش خالص على التليفون"],
            NEG: ["فضلت مستنية على التليفون نص ساعة", "بعتلكم واتساب ومحدش رد غير بعد يومين"],
        },
    },
    "msa": {
        "delivery": {
            POS: [
                "وصل الطلب في وقت قياسي",
                "كان المندوب مهذبًا ووصل في الموعد المحدد",
                "استغرق التوصيل إلى {city} يومًا واحدًا فقط",
            ],
            NEG: [
                "تأخر الطلب {days} أيام دون أي إشعار",
                "لم يتصل المندوب وادعى أنه لم يجد العنوان",
                "ما زلت أنتظر الشحنة منذ {days} أيام",
            ],
        },
        "price": {
            POS: ["الأسعار مناسبة جدًا مقارنة بالمتاجر الأخرى", "كان العرض على {product} مجزيًا"],
            NEG: ["الأسعار مرتفعة", "ظهرت رسوم الشحن في الخطوة الأخيرة فقط"],
        },
        "quality": {
            POS: ["{product} أصلي وجودته ممتازة", "الجودة تفوق التوقعات والتغليف محكم"],
            NEG: ["وصل {product} تالفًا", "الجودة أقل بكثير مما في الصور"],
        },
        "staff": {
            POS: ["تعامل الموظف {agent} باحترافية وحل مشكلتي", "فريق خدمة العملاء متعاون ولطيف"],
            NEG: ["كان الموظف غير متعاون", "يتم تحويلي في كل مرة إلى موظف آخر دون حل"],
        },
        "app": {
            POS: ["التطبيق سهل الاستخدام وسريع", "البحث في الموقع دقيق وسريع"],
            NEG: ["يتوقف التطبيق عند الدفع", "الموقع بطيء جدًا"],
        },
        "payment": {
            POS: ["عملية الدفع سهلة وآمنة", "خيارات الدفع متعددة ومريحة"],
            NEG: ["خُصم المبلغ مرتين", "فشلت عملية الدفع أكثر من مرة"],
        },
        "returns": {
            POS: ["أرجعت {product} بسهولة", "تم استرداد المبلغ بسرعة"],
            NEG: ["طلبت الاسترداد منذ {days} أيام ولم يُرد المبلغ", "إجراءات الإرجاع معقدة"],
        },
        "waiting": {
            POS: ["تم الرد علي خلال دقائق", "لم أنتظر طويلًا"],
            NEG: ["انتظرت أكثر من نصف ساعة على الهاتف", "لم يصلني رد إلا بعد يومين"],
        },
    },
    "fa": {
        "delivery": {
            POS: [
                "سفارشم خیلی سریع رسید",
                "پیک مؤدب بود و سر وقت آمد",
                "ارسال به {city} فقط یک روز طول کشید",
            ],
            NEG: [
                "سفارشم {days} روز دیر رسید و کسی جواب نداد",
                "پیک زنگ نزد و گفت آدرس را پیدا نکرده",
                "هنوز بعد از {days} روز منتظر مرسوله‌ام",
            ],
        },
        "price": {
            POS: ["قیمت‌ها نسبت به جاهای دیگر خیلی خوب است", "تخفیف {product} واقعاً ارزش داشت"],
            NEG: ["قیمت‌ها خیلی گران است", "هزینهٔ ارسال تازه در مرحلهٔ آخر نشان داده شد"],
        },
        "quality": {
            POS: ["{product} اصل بود و کیفیتش عالی است", "کیفیت بهتر از عکس‌ها بود و بسته‌بندی تمیز بود"],
            NEG: ["{product} شکسته به دستم رسید", "کیفیت خیلی پایین‌تر از عکس‌هاست"],
        },
        "staff": {
            POS: ["{agent} از پشتیبانی خیلی محترمانه مشکلم را حل کرد", "برخورد پشتیبانی عالی بود"],
            NEG: ["کارشناس پشتیبانی اصلاً همکاری نکرد", "هر بار مرا به یک نفر دیگر وصل می‌کنند"],
        },
        "app": {
            POS: ["اپلیکیشن ساده و سریع است", "جستجوی اپ دقیقاً همان چیزی را که می‌خواهم پیدا می‌کند"],
            NEG: ["اپ موقع پرداخت هنگ می‌کند", "اپ مدام از حسابم خارج می‌شود"],
        },
        "payment": {
            POS: ["پرداخت خیلی راحت بود", "پرداخت در محل خیلی کمک کرد"],
            NEG: ["مبلغ دو بار از کارتم کم شد", "پرداخت چند بار ناموفق بود"],
        },
        "returns": {
            POS: ["{product} را بدون دردسر مرجوع کردم", "بازپرداخت سریع انجام شد"],
            NEG: ["{days} روز پیش درخواست مرجوعی دادم و هنوز پولم برنگشته", "روند مرجوعی خیلی پیچیده است"],
        },
        "waiting": {
            POS: ["ظرف چند دقیقه جواب دادند", "اصلاً پشت خط منتظر نماندم"],
            NEG: ["بیش از نیم ساعت پشت خط ماندم", "در واتساپ پیام دادم و دو روز بعد جواب دادند"],
        },
    },
    "en": {
        "delivery": {
            POS: [
                "my order arrived faster than I expected",
                "the courier was polite and right on time",
                "delivery to {city} took just one day",
            ],
            NEG: [
                "my order was {days} days late and nobody answered",
                "the courier never called and said he could not find the address",
                "still waiting for my parcel after {days} days",
            ],
        },
        "price": {
            POS: ["prices are really good compared to other shops", "the deal on the {product} was worth it"],
            NEG: ["prices are too high", "the shipping fee only showed up at the last step"],
        },
        "quality": {
            POS: [
                "the {product} is genuine and the quality is excellent",
                "quality is better than the photos and the packaging was neat",
            ],
            NEG: ["the {product} arrived broken", "quality is much worse than in the pictures"],
        },
        "staff": {
            POS: ["{agent} from customer service was very kind and fixed it", "your support team is lovely"],
            NEG: ["the agent was rude and unhelpful", "every time I call I get transferred to someone else"],
        },
        "app": {
            POS: ["the app is simple and fast", "search in the app finds exactly what I need"],
            NEG: ["the app freezes at checkout", "the app keeps logging me out"],
        },
        "payment": {
            POS: ["paying with Apple Pay was effortless", "splitting the payment with Tabby helped a lot"],
            NEG: ["I was charged twice", "the payment failed several times"],
        },
        "returns": {
            POS: ["returned the {product} with no hassle", "the refund came back quickly"],
            NEG: [
                "I asked for a refund {days} days ago and still nothing",
                "the return process is a nightmare",
            ],
        },
        "waiting": {
            POS: ["they answered within minutes", "no waiting on the phone at all"],
            NEG: [
                "I was on hold for over half an hour",
                "I messaged on WhatsApp and got a reply two days later",
            ],
        },
    },
}

OPENERS = {
    "gulf": ["", "", "والله ", "صراحة ", "يا جماعة ", "الحمدلله "],
    "egyptian": ["", "", "بصراحة ", "والله ", "يا جماعة ", "بجد "],
    "msa": ["", "", "بصراحة، ", "للأمانة، ", "أود الإشارة إلى أن "],
    "fa": ["", "", "راستش ", "واقعاً ", "سلام، "],
    "en": ["", "", "Honestly, ", "To be fair, ", "Hi, ", "Well, "],
}
AND = {"gulf": " و", "egyptian": " و", "msa": "، كما أن ", "fa": " و ", "en": " and "}
BUT = {"gulf": " بس ", "egyptian": " بس ", "msa": "، لكن ", "fa": " ولی ", "en": ", but "}
CLOSERS = {
    "gulf": {
        POS: ["", "، الله يعطيكم العافية", "، أكيد بطلب مرة ثانية", "، شكرًا لكم"],
        NEG: ["", "، أتمنى تحلون المشكلة", "، آخر مرة أطلب منكم", "، الله يهديكم"],
    },
    "egyptian": {
        POS: ["", "، تسلم إيديكم", "، أكيد هطلب تاني", "، شكرًا ليكم"],
        NEG: ["", "، ياريت تحلوا المشكلة دي", "، مش هطلب منكم تاني", "، بجد حرام كده"],
    },
    "msa": {
        POS: ["", "، شكرًا لكم", "، سأكرر التجربة بالتأكيد", "، أنصح بالتعامل معكم"],
        NEG: ["", "، أرجو حل المشكلة في أسرع وقت", "، لن أكرر التجربة", "، تجربة مخيبة للآمال"],
    },
    "fa": {
        POS: ["", "، ممنون", "، حتماً دوباره خرید می‌کنم", "، دستتان درد نکند"],
        NEG: ["", "، لطفاً پیگیری کنید", "، دیگر خرید نمی‌کنم", "، واقعاً ناامید شدم"],
    },
    "en": {
        POS: ["", ". Thank you!", ". Will definitely order again", ". Highly recommend"],
        NEG: ["", ". Please sort this out", ". Never ordering again", ". Really disappointed"],
    },
}
EMOJI = {
    POS: ["", "", "", " 👍", " 😍", " ❤️", " 🌹", " 👌"],
    NEG: ["", "", "", " 😡", " 👎", " 😤", " 💔", " 🙄"],
}
PRODUCTS = {
    "ar": [
        "العطر",
        "الجوال",
        "السماعة",
        "الساعة",
        "العباية",
        "القهوة",
        "الشاحن",
        "الخلاط",
        "التمر",
        "الحذاء",
    ],
    "fa": ["عطر", "گوشی", "هدفون", "ساعت", "مانتو", "قهوه", "شارژر", "مخلوط‌کن", "خرما", "کفش"],
    "en": [
        "perfume",
        "phone",
        "headphones",
        "watch",
        "abaya",
        "coffee",
        "charger",
        "blender",
        "dates",
        "shoes",
    ],
}
CITIES = {
    "ar": ["الرياض", "جدة", "الدمام", "مكة", "المدينة", "الخبر", "أبها", "تبوك"],
    "fa": ["ریاض", "جده", "دمام", "مکه", "مدینه", "خبر"],
    "en": ["Riyadh", "Jeddah", "Dammam", "Makkah", "Madinah", "Khobar"],
}
AGENTS = {
    "ar": ["نورة", "عبدالله", "سارة", "خالد", "ريم", "محمد"],
    "fa": ["نوره", "عبدالله", "سارا", "خالد"],
    "en": ["Noura", "Abdullah", "Sara", "Khalid", "Reem"],
}
TOPICS = list(BANK["en"])
LANGUAGE_OF = {"gulf": "ar", "egyptian": "ar", "msa": "ar", "fa": "fa", "en": "en"}


def compose(
    rng: random.Random,
    *,
    variety: str,
    polarity: str,
    topic: str,
    days: int = 3,
    mixed_topic: str | None = None,
) -> str:
    """One feedback text about `topic` with `polarity`; with `mixed_topic`, a contrasting second clause."""
    lang = LANGUAGE_OF[variety]
    slots = {
        "product": rng.choice(PRODUCTS[lang]),
        "city": rng.choice(CITIES[lang]),
        "agent": rng.choice(AGENTS[lang]),
        "days": str(days),
    }
    first = rng.choice(BANK[variety][topic][polarity]).format(**slots)
    text = rng.choice(OPENERS[variety]) + first
    if mixed_topic is not None:
        other = POS if polarity == NEG else NEG
        text += BUT[variety] + rng.choice(BANK[variety][mixed_topic][other]).format(**slots)
        closing_polarity = polarity
    else:
        if rng.random() < 0.45:
            second_topic = rng.choice([t for t in TOPICS if t != topic])
            text += AND[variety] + rng.choice(BANK[variety][second_topic][polarity]).format(**slots)
        closing_polarity = polarity
    text += rng.choice(CLOSERS[variety][closing_polarity])
    text += rng.choice(EMOJI[closing_polarity])
    if lang == "en" and text[0].islower():
        text = text[0].upper() + text[1:]
    return text
