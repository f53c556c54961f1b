"""RFC 6962 / 9162 test vectors from transparency-dev/merkle (testonly/constants.go, proof/verify_test.go),
the vectors Go's sumdb and the CT ecosystem check."""

import pytest

from frontdesk.ledger import merkle

from . import rfc9162

LEAF_INPUTS = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                          "606162636465666768696a6b6c6d6e6f"]]  # fmt: skip
ROOTS = [
    bytes.fromhex(h)
    for h in [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]
NODE_HASHES = [
    ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
     "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
     "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
     "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
     "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
     "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
     "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"],
    ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
     "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"],
    ["d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]  # fmt: skip

# (leaf index, tree size, proof); the Go file numbers leaves from 1, these from 0.
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (0, 1, []),
]  # fmt: skip
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]  # fmt: skip

LEAF_HASHES = [merkle.leaf_hash(x) for x in LEAF_INPUTS]


def vector_subtrees(size: int) -> merkle.Subtrees:
    """Complete-subtree hashes straight from the published NODE_HASHES table."""

    def node(level: int, index: int) -> bytes:
        assert (index + 1) << level <= size
        return bytes.fromhex(NODE_HASHES[level][index])

    return merkle.Subtrees(node)


def test_leaf_and_node_hashes_match_the_published_table():
    assert [h.hex() for h in LEAF_HASHES] == NODE_HASHES[0]
    for level in range(1, 4):
        below = NODE_HASHES[level - 1]
        for i, expected in enumerate(NODE_HASHES[level]):
            got = merkle.node_hash(bytes.fromhex(below[2 * i]), bytes.fromhex(below[2 * i + 1]))
            assert got.hex() == expected


@pytest.mark.parametrize("size", range(9))
def test_roots_for_sizes_0_to_8(size):
    assert merkle.root_of(LEAF_HASHES[:size]) == ROOTS[size]
    assert merkle.tree_root(size, vector_subtrees(size)) == ROOTS[size]
    assert rfc9162.mth(tuple(LEAF_INPUTS[:size])) == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_vectors(index, size, proof):
    expected = [bytes.fromhex(h) for h in proof]
    assert merkle.inclusion_proof(index, size, vector_subtrees(size)) == expected
    assert merkle.verify_inclusion(LEAF_HASHES[index], index, size, expected, ROOTS[size])
    assert rfc9162.inclusion_ok(index, size, LEAF_HASHES[index], expected, ROOTS[size])


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_vectors(first, second, proof):
    expected = [bytes.fromhex(h) for h in proof]
    assert merkle.consistency_proof(first, second, vector_subtrees(second)) == expected
    assert merkle.verify_consistency(first, second, expected, ROOTS[first], ROOTS[second])
    assert rfc9162.consistency_ok(first, second, expected, ROOTS[first], ROOTS[second])


def _flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 8]) + h[1:]


@pytest.mark.parametrize(("index", "size", "proof"), [v for v in INCLUSION if v[2]])
def test_corrupted_inclusion_proofs_fail(index, size, proof):
    good = [bytes.fromhex(h) for h in proof]
    leaf, root = LEAF_HASHES[index], ROOTS[size]
    probes = [
        (index + 1, size, good, leaf, root),
        (index ^ 2, size, good, leaf, root),
        (index, size * 2, good, leaf, root),
        (index, size // 2, good, leaf, root),
        (index, size, good, b"WrongLeaf", root),
        (index, size, good, leaf, ROOTS[0]),
        (index, size, [*good, b""], leaf, root),
        (index, size, [root, *good], leaf, root),
        (index, size, good[:-1], leaf, root),
        *[(index, size, [*good[:i], _flip(good[i]), *good[i + 1 :]], leaf, root) for i in range(len(good))],
    ]
    for m, n, p, lf, rt in probes:
        assert not merkle.verify_inclusion(lf, m, n, p, rt)
        assert not rfc9162.inclusion_ok(m, n, lf, p, rt)


@pytest.mark.parametrize(("first", "second", "proof"), [v for v in CONSISTENCY if v[2]])
def test_corrupted_consistency_proofs_fail(first, second, proof):
    good = [bytes.fromhex(h) for h in proof]
    r1, r2 = ROOTS[first], ROOTS[second]
    probes = [
        (first - 1, second, good, r1, r2),
        (first + 1, second, good, r1, r2),
        (first ^ 2, second, good, r1, r2),
        (first, second * 2, good, r1, r2),
        (first, second // 2, good, r1, r2),
        (first, second, good, b"WrongRoot", r2),
        (first, second, good, r1, b"WrongRoot"),
        (first, second, good, r2, r1),
        (first, second, [], r1, r2),
        (first, second, [*good, r1], r1, r2),
        (first, second, [r2, *good], r1, r2),
        (first, second, good[:-1], r1, r2),
        *[(first, second, [*good[:i], _flip(good[i]), *good[i + 1 :]], r1, r2) for i in range(len(good))],
    ]
    for m, n, p, a, b in probes:
        assert not merkle.verify_consistency(m, n, p, a, b)
        assert not rfc9162.consistency_ok(m, n, p, a, b)


def test_trivial_consistency():
    assert merkle.verify_consistency(0, 5, [], merkle.EMPTY_ROOT, ROOTS[5])
    assert merkle.verify_consistency(3, 3, [], ROOTS[3], ROOTS[3])
    assert not merkle.verify_consistency(3, 3, [], ROOTS[3], ROOTS[4])
    assert not merkle.verify_consistency(3, 3, [ROOTS[3]], ROOTS[3], ROOTS[3])
    assert not merkle.verify_consistency(2, 1, [], ROOTS[2], ROOTS[1])


def test_compact_tree_frontiers_match_the_published_compact_trees():
    tree = merkle.CompactTree()
    expected = {1: [(0, 0)], 2: [(1, 0)], 3: [(1, 0), (0, 2)], 4: [(2, 0)], 5: [(2, 0), (0, 4)],
                6: [(2, 0), (1, 2)], 7: [(2, 0), (1, 2), (0, 6)], 8: [(3, 0)]}  # fmt: skip
    for size in range(1, 9):
        tree.append(LEAF_HASHES[size - 1])
        assert [h.hex() for h in tree.frontier] == [NODE_HASHES[lv][ix] for lv, ix in expected[size]]


def test_proof_requests_out_of_range_are_refused():
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_proof(8, 8, vector_subtrees(8))
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(5, 4, vector_subtrees(8))


@pytest.mark.parametrize(
    ("index", "path"),
    [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_tile_index_paths(index, path):
    assert merkle.encode_tile_index(index) == path
    assert merkle.decode_tile_index(path) == index


@pytest.mark.parametrize("path", ["", "1", "0000", "x000/001", "001/002", "x001/23", "x1/000", "abc", "x001/x234"])
def test_bad_tile_index_paths(path):
    with pytest.raises(ValueError):
        merkle.decode_tile_index(path)


def test_entry_bundle_round_trip():
    entries = [b"", b"a", bytes(32), b"x" * 300]
    assert merkle.parse_entry_bundle(merkle.entry_bundle(entries)) == entries
    with pytest.raises(ValueError):
        merkle.parse_entry_bundle(b"\x00\x05abc")
