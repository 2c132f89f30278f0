"""Hashed character and word n-grams, computed for a whole batch at once in NumPy.

The batch is joined into one array of code points; every n-gram's hash is a polynomial over that array
(no Python loop over texts or n-grams), mixed and folded into `n_features` buckets. Words are runs of
letters, digits and combining marks; each emoji or other symbol is a word of its own.

A text's vector is x[f] = count(f) * idf[f] / sqrt(sum over its n-gram occurrences of idf^2): the same
numbers whether built as a matrix for training (`matrix`) or streamed into a linear model (`linear_scores`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

_P = np.uint64(0x100000001B3)
_SALT = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MAX_WORD = 64
_POS_MULT = (
    np.random.default_rng(20261122).integers(1, 2**63, _MAX_WORD, dtype=np.uint64) | np.uint64(1)
).astype(np.uint64)


def _char_classes() -> np.ndarray:
    """Per BMP code point: 1 word character, 2 symbol (a token by itself), 0 anything else."""
    out = np.zeros(0x10000, dtype=np.uint8)
    for cp in range(0x10000):
        cat = unicodedata.category(chr(cp))
        if cat[0] in "LNM":
            out[cp] = 1
        elif cat in ("So", "Sk", "Cs"):
            out[cp] = 2
    out[0x200C] = 1  # zero-width non-joiner sits inside Persian words
    out[0x200D] = 2
    return out


_CLASSES = _char_classes()


def _mix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


@dataclass(frozen=True)
class Featurizer:
    n_features: int = 2**19
    char_min: int = 2
    char_max: int = 5
    word_max: int = 2

    def families(self, texts: list[str]) -> tuple[int, list[tuple[np.ndarray, np.ndarray]]]:
        """(number of texts, [(rows, cols)] per n-gram family); rows ascend within each family."""
        n_docs = len(texts)
        if n_docs == 0:
            return 0, []
        # NUL separates texts, so a NUL inside one is read as a space; a lone surrogate stays a code point
        joined = "\x00".join(" " + t.replace("\x00", " ") + " " for t in texts)
        cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        arr = cps.astype(np.uint64)
        sep = cps == 0
        csum = np.concatenate(([0], np.cumsum(sep, dtype=np.int64)))
        mask = np.uint64(self.n_features - 1)
        out: list[tuple[np.ndarray, np.ndarray]] = []
        h = arr.copy()
        length = len(arr)
        with np.errstate(over="ignore"):
            for n in range(1, self.char_max + 1):
                if n > 1:
                    h = h[:-1] * _P + arr[n - 1 :]
                if n < self.char_min:
                    continue
                starts = np.arange(length - n + 1)
                ok = csum[starts + n] == csum[starts]
                idx = np.flatnonzero(ok)
                cols = (_mix(h[idx] + np.uint64(n) * _SALT) & mask).astype(np.int64)
                out.append((csum[idx].astype(np.int64), cols))
            # words: runs of class-1 characters; each class-2 character is a token alone
            bmp = np.minimum(cps, 0xFFFF)
            cls = np.where(cps > 0xFFFF, 2, _CLASSES[bmp])
            word = cls == 1
            start = word & ~np.concatenate(([False], word[:-1]))
            run_id = np.cumsum(start) - 1
            firsts = np.flatnonzero(start)
            # a text without a word (symbols only) has no run to count positions from
            pos = (
                np.arange(length) - firsts[np.maximum(run_id, 0)]
                if len(firsts)
                else np.zeros(length, np.int64)
            )
            contrib = np.where(word, arr * _POS_MULT[pos % _MAX_WORD], np.uint64(0))
            word_starts = np.flatnonzero(start)
            word_hash = np.add.reduceat(contrib, word_starts) if len(word_starts) else np.zeros(0, np.uint64)
            sym_at = np.flatnonzero(cls == 2)
            tok_pos = np.concatenate((word_starts, sym_at))
            tok_hash = np.concatenate((word_hash, arr[sym_at] * _P))
            order = np.argsort(tok_pos, kind="stable")
            tok_pos, tok_hash = tok_pos[order], _mix(tok_hash[order] + _SALT)
            tok_doc = csum[tok_pos].astype(np.int64)
            out.append((tok_doc, (tok_hash & mask).astype(np.int64)))
            if self.word_max >= 2 and len(tok_hash) > 1:
                same = tok_doc[1:] == tok_doc[:-1]
                big = _mix(tok_hash[:-1] * _P + tok_hash[1:] + np.uint64(2) * _SALT)
                out.append((tok_doc[1:][same], (big[same] & mask).astype(np.int64)))
        return n_docs, out

    def _weights(
        self, n_docs: int, fams: list[tuple[np.ndarray, np.ndarray]], idf: np.ndarray | None
    ) -> tuple[list[np.ndarray], np.ndarray]:
        vals = [np.ones(len(c), np.float32) if idf is None else idf[c] for _, c in fams]
        sq = np.zeros(n_docs, np.float64)
        for (rows, _), v in zip(fams, vals, strict=True):
            sq += np.bincount(rows, weights=v.astype(np.float64) ** 2, minlength=n_docs)
        inv = np.where(sq > 0, 1 / np.sqrt(np.maximum(sq, 1e-12)), 0).astype(np.float32)
        return vals, inv

    def matrix(self, texts: list[str], idf: np.ndarray | None = None) -> sp.csr_matrix:
        """The batch as a CSR matrix of weighted, length-normalised n-gram counts."""
        n_docs, fams = self.families(texts)
        if n_docs == 0:
            return sp.csr_matrix((0, self.n_features), dtype=np.float32)
        vals, inv = self._weights(n_docs, fams, idf)
        rows = np.concatenate([r for r, _ in fams])
        cols = np.concatenate([c for _, c in fams])
        data = np.concatenate(vals) * inv[rows]
        m = sp.coo_matrix((data, (rows, cols)), shape=(n_docs, self.n_features)).tocsr()
        m.sum_duplicates()
        return m

    def linear_scores(self, texts: list[str], weights: np.ndarray, idf: np.ndarray | None) -> np.ndarray:
        """matrix(texts, idf) @ weights without building the summed matrix (one pass per family)."""
        return self.scores_of(self.families(texts), weights, idf)

    def scores_of(
        self,
        families: tuple[int, list[tuple[np.ndarray, np.ndarray]]],
        weights: np.ndarray,
        idf: np.ndarray | None,
    ) -> np.ndarray:
        """`linear_scores` from n-grams already hashed by `families` (several models, one hashing)."""
        n_docs, fams = families
        scores = np.zeros((n_docs, weights.shape[1]), np.float32)
        if n_docs == 0:
            return scores
        vals, inv = self._weights(n_docs, fams, idf)
        for (rows, cols), v in zip(fams, vals, strict=True):
            indptr = np.searchsorted(rows, np.arange(n_docs + 1))
            x = sp.csr_matrix((v, cols, indptr), shape=(n_docs, self.n_features))
            scores += x @ weights
        return scores * inv[:, None]

    def document_frequency(self, texts: list[str]) -> np.ndarray:
        m = self.matrix(texts)
        return np.bincount(m.indices, minlength=self.n_features)
