"""An independent RFC 9162 section 2.1 reference, written from the RFC's recursive definitions.

It shares no code with frontdesk.ledger.merkle: roots by the MTH recursion (2.1.1), and proofs checked
by unwinding PATH (2.1.3.1) and SUBPROOF (2.1.4.1) from the top, not by the bit-walking algorithms of
2.1.3.2 and 2.1.4.2 that the ledger uses.
"""

from functools import lru_cache
from hashlib import sha256


def split(n: int) -> int:
    """k: the largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: tuple[bytes, ...]) -> bytes:
    """MTH(D[n]) over leaf *inputs*."""
    return _mth(leaves, 0, len(leaves))


@lru_cache(maxsize=1_000_000)
def _cached(leaves: tuple[bytes, ...], start: int, end: int) -> bytes:
    return _mth(leaves, start, end)


def _mth(leaves: tuple[bytes, ...], start: int, end: int) -> bytes:
    n = end - start
    if n == 0:
        return sha256(b"").digest()
    if n == 1:
        return sha256(b"\x00" + leaves[start]).digest()
    k = split(n)
    return sha256(b"\x01" + _cached(leaves, start, start + k) + _cached(leaves, start + k, end)).digest()


def mth_of_hashes(hashes: list[bytes]) -> bytes:
    """MTH when the leaf hashes are already known."""
    if not hashes:
        return sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = split(len(hashes))
    return sha256(b"\x01" + mth_of_hashes(hashes[:k]) + mth_of_hashes(hashes[k:])).digest()


def root_from_inclusion(m: int, n: int, leaf_hash: bytes, proof: list[bytes]) -> bytes | None:
    """Undo PATH(m, D[n]) = PATH(..) : sibling; None if the proof has the wrong shape."""
    if not 0 <= m < n:
        return None
    if n == 1:
        return leaf_hash if not proof else None
    if not proof:
        return None
    k = split(n)
    sibling, rest = proof[-1], proof[:-1]
    if m < k:
        left = root_from_inclusion(m, k, leaf_hash, rest)
        return None if left is None else sha256(b"\x01" + left + sibling).digest()
    right = root_from_inclusion(m - k, n - k, leaf_hash, rest)
    return None if right is None else sha256(b"\x01" + sibling + right).digest()


def inclusion_ok(m: int, n: int, leaf_hash: bytes, proof: list[bytes], root: bytes) -> bool:
    return root_from_inclusion(m, n, leaf_hash, proof) == root


def _roots_from_subproof(
    m: int, n: int, complete: bool, proof: list[bytes], first_root: bytes
) -> tuple[bytes, bytes] | None:
    """(hash of the old tree's part of D[n], hash of D[n]) by undoing SUBPROOF(m, D[n], b)."""
    if m == n:
        if complete:
            return (first_root, first_root) if not proof else None
        return (proof[0], proof[0]) if len(proof) == 1 else None
    if not proof:
        return None
    k = split(n)
    sibling, rest = proof[-1], proof[:-1]
    if m <= k:
        inner = _roots_from_subproof(m, k, complete, rest, first_root)
        if inner is None:
            return None
        return inner[0], sha256(b"\x01" + inner[1] + sibling).digest()
    inner = _roots_from_subproof(m - k, n - k, False, rest, first_root)
    if inner is None:
        return None
    return (
        sha256(b"\x01" + sibling + inner[0]).digest(),
        sha256(b"\x01" + sibling + inner[1]).digest(),
    )


def consistency_ok(m: int, n: int, proof: list[bytes], first_root: bytes, second_root: bytes) -> bool:
    if not 0 <= m <= n:
        return False
    if m == 0 or m == n:
        return not proof and (m != n or first_root == second_root)
    roots = _roots_from_subproof(m, n, True, proof, first_root)
    return roots == (first_root, second_root)
