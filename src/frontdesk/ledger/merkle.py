"""Merkle tree hashing and proofs exactly as RFC 9162 section 2.1, with nodes read from tlog-tiles.

Pure functions, no Django: the sequencer, the proof views, `ledger verify` and `ledger audit` share them.
A "node" here is the hash of a complete subtree: `(level, index)` covers leaves
[index * 2**level, (index + 1) * 2**level).
"""

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeReader = Callable[[int, int], bytes]
TileReader = Callable[[int, int, int], bytes]


class ProofError(ValueError):
    """A proof was asked for indices or sizes the tree cannot answer."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1): RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


# --- The right edge of a growing tree ---------------------------------------------------------


class CompactTree:
    """A tree known by its size and the hashes of its complete subtrees, largest first.

    `append` reports every complete node it creates at a tile boundary level (0, 8, 16, ...) so the
    caller can store tiles; the root is a fold of the frontier, never a recomputation.
    """

    def __init__(self, size: int = 0, frontier: Sequence[bytes] = ()) -> None:
        if len(frontier) != size.bit_count():
            raise ValueError("A frontier has one hash per set bit of the tree size.")
        self.size = size
        self.frontier = list(frontier)

    @classmethod
    def from_bytes(cls, size: int, packed: bytes) -> "CompactTree":
        return cls(size, [packed[i : i + HASH_SIZE] for i in range(0, len(packed), HASH_SIZE)])

    def to_bytes(self) -> bytes:
        return b"".join(self.frontier)

    def append(
        self, leaf: bytes, emit: Callable[[int, int, bytes], None] | None = None, *, leaves: bool = True
    ) -> None:
        """Add a leaf hash; `emit(level, index, hash)` hears of tile-level nodes (level 0 only if `leaves`)."""
        node, index, height = leaf, self.size, 0
        if emit is not None and leaves:
            emit(0, index, node)
        frontier = self.frontier
        sha256 = hashlib.sha256
        while index & 1:
            node = sha256(b"\x01" + frontier.pop() + node).digest()
            index >>= 1
            height += 1
            if emit is not None and height % TILE_HEIGHT == 0:
                emit(height // TILE_HEIGHT, index, node)
        frontier.append(node)
        self.size += 1

    def append_subtree(self, node: bytes, height: int, emit: Callable[[int, int, bytes], None] | None = None) -> None:
        """Add a complete subtree of 2**height leaves (its hash `node`) at a size that is a multiple of
        its width: what `append` would do for each of its leaves, without the hashes inside it."""
        if self.size & ((1 << height) - 1):
            raise ValueError("A subtree is appended only where the tree size is a multiple of its width.")
        width, index = 1 << height, self.size >> height
        if emit is not None and height % TILE_HEIGHT == 0 and height:
            emit(height // TILE_HEIGHT, index, node)
        frontier = self.frontier
        sha256 = hashlib.sha256
        while index & 1:
            node = sha256(b"\x01" + frontier.pop() + node).digest()
            index >>= 1
            height += 1
            if emit is not None and height % TILE_HEIGHT == 0:
                emit(height // TILE_HEIGHT, index, node)
        frontier.append(node)
        self.size += width

    def root(self) -> bytes:
        if not self.frontier:
            return EMPTY_ROOT
        root = self.frontier[-1]
        for node in reversed(self.frontier[:-1]):
            root = node_hash(node, root)
        return root


def subtree_hash(leaves: list[bytes]) -> bytes:
    """MTH of a power-of-two run of leaf hashes, one level at a time (list comprehensions, no calls per node
    beyond the hash itself)."""
    level = leaves
    sha256 = hashlib.sha256
    while len(level) > 1:
        level = [sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return level[0]


def root_of(leaves: Iterable[bytes]) -> bytes:
    tree = CompactTree()
    for leaf in leaves:
        tree.append(leaf)
    return tree.root()


# --- Proofs (RFC 9162 2.1.3.1 and 2.1.4.1), from any source of complete-subtree hashes ----------


class Subtrees:
    """MTH of aligned ranges, built from complete-subtree hashes (memoized per proof)."""

    def __init__(self, node: NodeReader) -> None:
        self._node = node
        self._memo: dict[tuple[int, int], bytes] = {}

    def node(self, level: int, index: int) -> bytes:
        key = (level, index)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._node(level, index)
        return found

    def range_hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a range that starts on a boundary of its own largest subtree."""
        n = end - start
        if n & (n - 1) == 0:
            level = n.bit_length() - 1
            return self.node(level, start >> level)
        k = _split(n)
        return node_hash(self.range_hash(start, start + k), self.range_hash(start + k, end))


def inclusion_proof(index: int, size: int, subtrees: Subtrees) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 2.1.3.1, bottom-up."""
    if not 0 <= index < size:
        raise ProofError(f"Leaf {index} is not in a tree of size {size}.")
    proof: list[bytes] = []

    def path(m: int, start: int, n: int) -> None:
        if n == 1:
            return
        k = _split(n)
        if m < k:
            path(m, start, k)
            proof.append(subtrees.range_hash(start + k, start + n))
        else:
            path(m - k, start + k, n - k)
            proof.append(subtrees.range_hash(start, start + k))

    path(index, 0, size)
    return proof


def consistency_proof(first: int, second: int, subtrees: Subtrees) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 2.1.4.1; empty when m is 0 or m equals n."""
    if not 0 <= first <= second:
        raise ProofError(f"No consistency proof from size {first} to size {second}.")
    if first in (0, second):
        return []
    proof: list[bytes] = []

    def subproof(m: int, start: int, n: int, complete: bool) -> None:
        if m == n:
            if not complete:
                proof.append(subtrees.range_hash(start, start + n))
            return
        k = _split(n)
        if m <= k:
            subproof(m, start, k, complete)
            proof.append(subtrees.range_hash(start + k, start + n))
        else:
            subproof(m - k, start + k, n - k, False)
            proof.append(subtrees.range_hash(start, start + k))

    subproof(first, 0, second, True)
    return proof


def tree_root(size: int, subtrees: Subtrees) -> bytes:
    return EMPTY_ROOT if size == 0 else subtrees.range_hash(0, size)


# --- Verification (RFC 9162 2.1.3.2 and 2.1.4.2) ----------------------------------------------


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    if index >= size or index < 0:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes) -> bool:
    if first < 0 or first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


# --- tlog-tiles --------------------------------------------------------------------------------


def tile_width(level: int, tile_index: int, size: int) -> int:
    """How many hashes tile (level, index) holds in a tree of `size` leaves (0 if none yet)."""
    nodes = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, nodes - tile_index * TILE_WIDTH))


def tile_node_reader(size: int, read_tile: TileReader) -> NodeReader:
    """Complete-subtree hashes from tiles: a node below a tile boundary is folded from its tile."""
    tiles: dict[tuple[int, int], bytes] = {}

    def node(level: int, index: int) -> bytes:
        tile_level, height = divmod(level, TILE_HEIGHT)
        first = index << height
        tile_index, offset = divmod(first, TILE_WIDTH)
        key = (tile_level, tile_index)
        data = tiles.get(key)
        if data is None:
            width = tile_width(tile_level, tile_index, size)
            data = tiles[key] = read_tile(tile_level, tile_index, width)
        count = 1 << height
        if len(data) < (offset + count) * HASH_SIZE:
            raise ProofError(f"Tile {tile_level}/{tile_index} is shorter than the tree needs.")
        if len(data) == TILE_WIDTH * HASH_SIZE:
            return _full_tile_levels(data)[height][offset >> height]
        hashes = [data[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i in range(offset, offset + count)]
        sha256 = hashlib.sha256
        while len(hashes) > 1:
            hashes = [sha256(b"\x01" + hashes[i] + hashes[i + 1]).digest() for i in range(0, len(hashes), 2)]
        return hashes[0]

    return node


# Every node inside a full tile, by the tile's bytes: a full tile never changes, and a proof at a large
# tree reads the same few upper tiles every time (at 10 M, 3 of an inclusion proof's 4 tiles fold in
# about 0.15 ms each). Keyed by content, not position, so a different ledger (another database, a test)
# can never be answered from another's tiles. At most _FULL_TILES_KEPT tiles, about 24 KB each.
_FULL_TILES_KEPT = 256
_full_tiles: dict[bytes, list[list[bytes]]] = {}


def _full_tile_levels(data: bytes) -> list[list[bytes]]:
    """The tile's nodes by height (0: its 256 hashes ... 8: its root), folded once and kept."""
    levels = _full_tiles.pop(data, None)
    if levels is None:
        level = [data[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i in range(TILE_WIDTH)]
        levels = [level]
        sha256 = hashlib.sha256
        while len(level) > 1:
            level = [sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
            levels.append(level)
        if len(_full_tiles) >= _FULL_TILES_KEPT:
            del _full_tiles[next(iter(_full_tiles))]  # the least recently used
    _full_tiles[data] = levels  # re-inserted: dicts keep insertion order, so this is the most recent
    return levels


def tile_subtrees(size: int, read_tile: TileReader) -> Subtrees:
    return Subtrees(tile_node_reader(size, read_tile))


def tiles_needed(work: Callable[[Subtrees], object]) -> set[tuple[int, int]]:
    """The tiles `work` will read, found by a dry run with placeholder hashes (to fetch them at once)."""
    needed: set[tuple[int, int]] = set()
    placeholder = bytes(HASH_SIZE)

    def node(level: int, index: int) -> bytes:
        tile_level, height = divmod(level, TILE_HEIGHT)
        needed.add((tile_level, (index << height) >> TILE_HEIGHT))
        return placeholder

    work(Subtrees(node))
    return needed


def encode_tile_index(index: int) -> str:
    """1234067 -> 'x001/x234/067' (C2SP tlog-tiles)."""
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def decode_tile_index(path: str) -> int:
    parts = path.split("/")
    if not parts or any(len(p) != (4 if i < len(parts) - 1 else 3) for i, p in enumerate(parts)):
        raise ValueError("A tile index is written in 3-digit groups, e.g. x001/x234/067.")
    value = 0
    for i, part in enumerate(parts):
        digits = part[1:] if i < len(parts) - 1 else part
        if i < len(parts) - 1 and part[0] != "x":
            raise ValueError("Every group but the last starts with x.")
        if not digits.isdigit() or not digits.isascii():
            raise ValueError("A tile index is digits.")
        value = value * 1000 + int(digits)
    if encode_tile_index(value) != path:
        raise ValueError("A tile index has no extra leading groups.")
    return value


def tile_path(level: int | str, tile_index: int, width: int) -> str:
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{encode_tile_index(tile_index)}{suffix}"


def entry_bundle(entries: Iterable[bytes]) -> bytes:
    """tlog-tiles entry bundle: each entry as a big-endian uint16 length and its bytes."""
    return b"".join(len(e).to_bytes(2, "big") + e for e in entries)


def parse_entry_bundle(data: bytes) -> list[bytes]:
    entries, i = [], 0
    while i < len(data):
        if i + 2 > len(data):
            raise ValueError("Truncated entry bundle.")
        n = int.from_bytes(data[i : i + 2], "big")
        if i + 2 + n > len(data):
            raise ValueError("Truncated entry bundle.")
        entries.append(data[i + 2 : i + 2 + n])
        i += 2 + n
    return entries
