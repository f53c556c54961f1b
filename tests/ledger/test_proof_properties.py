"""Property tests: every proof the log serves verifies with the independent RFC 9162 reference."""

import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdesk.core.crypto import pseudonym
from frontdesk.ledger import merkle, selectors
from frontdesk.ledger.models import LedgerEvent
from frontdesk.ledger.services import event_append, ledger_sequence

from . import rfc9162

# Enough leaves for three tile levels (65,536 leaves fill one level-1 tile).
BIG = 70_000
LEAVES = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(BIG)]


def _tiles(leaves: list[bytes]) -> dict[tuple[int, int], bytearray]:
    tiles: dict[tuple[int, int], bytearray] = {}

    def emit(level: int, index: int, node: bytes) -> None:
        tiles.setdefault((level, index >> 8), bytearray()).extend(node)

    tree = merkle.CompactTree()
    for leaf in leaves:
        tree.append(leaf, emit)
    return tiles


TILES = _tiles(LEAVES)


def _reader(size: int) -> merkle.Subtrees:
    def read(level: int, index: int, width: int) -> bytes:
        assert width == merkle.tile_width(level, index, size)
        return bytes(TILES[(level, index)][: width * 32])

    return merkle.tile_subtrees(size, read)


def _reference_root(size: int) -> bytes:
    return _root_of_range(0, size)


def _root_of_range(start: int, end: int) -> bytes:
    n = end - start
    if n == 1:
        return LEAVES[start]
    k = rfc9162.split(n)
    if n & (n - 1) == 0:
        return _complete(start, n)
    return hashlib.sha256(b"\x01" + _complete(start, k) + _root_of_range(start + k, end)).digest()


_complete_memo: dict[tuple[int, int], bytes] = {}


def _complete(start: int, n: int) -> bytes:
    key = (start, n)
    if key not in _complete_memo:
        _complete_memo[key] = (
            rfc9162.mth_of_hashes(LEAVES[start : start + n])
            if n <= 64
            else hashlib.sha256(b"\x01" + _complete(start, n // 2) + _complete(start + n // 2, n // 2)).digest()
        )
    return _complete_memo[key]


sizes = st.integers(min_value=1, max_value=BIG)


@given(data=st.data(), size=sizes)
@settings(max_examples=150, deadline=None)
def test_tile_inclusion_proofs_verify_independently(data, size):
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    trees = _reader(size)
    root = merkle.tree_root(size, trees)
    assert root == _reference_root(size)
    proof = merkle.inclusion_proof(index, size, trees)
    assert rfc9162.inclusion_ok(index, size, LEAVES[index], proof, root)
    assert merkle.verify_inclusion(LEAVES[index], index, size, proof, root)
    if proof:
        assert not rfc9162.inclusion_ok(index, size, LEAVES[index], proof[:-1], root)


@given(data=st.data(), second=sizes)
@settings(max_examples=150, deadline=None)
def test_tile_consistency_proofs_verify_independently(data, second):
    first = data.draw(st.integers(min_value=0, max_value=second))
    trees = _reader(second)
    first_root, second_root = merkle.tree_root(first, trees), merkle.tree_root(second, trees)
    assert first_root == (_reference_root(first) if first else merkle.EMPTY_ROOT)
    proof = merkle.consistency_proof(first, second, trees)
    assert rfc9162.consistency_ok(first, second, proof, first_root, second_root)
    assert merkle.verify_consistency(first, second, proof, first_root, second_root)
    if 0 < first < second:
        wrong = hashlib.sha256(b"not the root").digest()
        assert not rfc9162.consistency_ok(first, second, proof, wrong, second_root)
        assert not merkle.verify_consistency(first, second, proof, wrong, second_root)


def test_a_full_tiles_nodes_are_kept_by_its_content_not_its_place():
    """Full tiles are folded once and kept in the process; a second ledger with other leaves at the same
    tile positions (another database, another test) must still get its own roots and proofs."""
    other = [hashlib.sha256(b"other" + i.to_bytes(4, "big")).digest() for i in range(600)]
    other_tiles = _tiles(other)

    def other_reader(size: int) -> merkle.Subtrees:
        return merkle.tile_subtrees(size, lambda level, index, width: bytes(other_tiles[(level, index)][: width * 32]))

    for _ in range(2):  # the second round is answered from the kept tiles
        for size in (256, 512, 600):
            assert merkle.tree_root(size, _reader(size)) == _reference_root(size)
            assert merkle.tree_root(size, other_reader(size)) == rfc9162.mth_of_hashes(other[:size])
            proof = merkle.inclusion_proof(300, size, other_reader(size)) if size > 300 else []
            if proof:
                assert rfc9162.inclusion_ok(300, size, other[300], proof, rfc9162.mth_of_hashes(other[:size]))


@given(st.lists(st.binary(max_size=40), max_size=300))
@settings(max_examples=60, deadline=None)
def test_compact_tree_root_is_the_rfc_root(inputs):
    assert merkle.root_of(merkle.leaf_hash(x) for x in inputs) == rfc9162.mth(tuple(inputs))


@pytest.fixture
def auditor(db):
    user = get_user_model().objects.create_user(username="inspector", password="x" * 16)
    user.groups.add(Group.objects.get_or_create(name="auditor")[0])
    return user


@pytest.mark.django_db
def test_proofs_served_from_the_database_verify(auditor):
    """Events appended in uneven transactions and sequenced in uneven batches: every served proof checks."""
    person = pseudonym("person", "a-person")
    total = 0
    for chunk in [1, 2, 250, 7, 300, 40]:
        with transaction.atomic():
            for _ in range(chunk):
                event_append(type="records.person.viewed", actor=None, purpose="test", subjects=[person])
        total += chunk
        ledger_sequence(batch=97)
    assert selectors.tree_size() == total == 600
    leaves = [
        merkle.leaf_hash(bytes(c)) for c in LedgerEvent.objects.order_by("index").values_list("commitment", flat=True)
    ]

    @given(data=st.data(), size=st.integers(min_value=1, max_value=total))
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    def check(data, size):
        index = data.draw(st.integers(min_value=0, max_value=size - 1))
        first = data.draw(st.integers(min_value=0, max_value=size))
        root = rfc9162.mth_of_hashes(leaves[:size])
        inclusion = selectors.inclusion_proof_get(actor=auditor, index=index, tree_size=size)
        assert inclusion.root == root and inclusion.leaf_hash == leaves[index]
        assert rfc9162.inclusion_ok(index, size, leaves[index], inclusion.proof, root)
        consistency = selectors.consistency_proof_get(actor=auditor, first=first, second=size)
        assert consistency.second_root == root
        assert consistency.first_root == rfc9162.mth_of_hashes(leaves[:first])
        assert rfc9162.consistency_ok(first, size, consistency.proof, consistency.first_root, root)

    check()
