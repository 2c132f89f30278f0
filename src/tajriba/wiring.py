"""Connects the domains through the hooks the lower ones offer: every domain's job handlers (its tasks.py),
and what each new workspace gets. Imported by the app factory and by the CLI before any command runs; light,
so a command does not pay for the web app."""

from __future__ import annotations

from tajriba.accounts import service as accounts_service
from tajriba.accounts import tasks as accounts_tasks
from tajriba.cases import tasks as cases_tasks
from tajriba.cases.root_causes import seed_root_causes
from tajriba.forecasting import tasks as forecasting_tasks
from tajriba.ingest import tasks as ingest_tasks
from tajriba.jobs import worker as _maintenance  # the queue's own hourly job
from tajriba.loyalty import tasks as loyalty_tasks
from tajriba.privacy import tasks as privacy_tasks
from tajriba.reports import tasks as reports_tasks
from tajriba.social import tasks as social_tasks
from tajriba.surveys import tasks as surveys_tasks
from tajriba.text import tasks as text_tasks

# each domain registers its job handlers (and hourly clean-ups) in its own tasks.py: importing is registering
JOB_MODULES = (
    accounts_tasks,
    cases_tasks,
    forecasting_tasks,
    ingest_tasks,
    loyalty_tasks,
    privacy_tasks,
    reports_tasks,
    social_tasks,
    surveys_tasks,
    text_tasks,
    _maintenance,
)
# a lower domain offers a hook, a higher one fills it: every new workspace gets the cases' root causes
if seed_root_causes not in accounts_service.WORKSPACE_SETUP:
    accounts_service.WORKSPACE_SETUP.append(seed_root_causes)
