#!/usr/bin/env python3
"""The least prefix reuse can evaluate for a batch of DRO prompts, whatever order each prompt gives its examples.

Input: the JSON that `PrefixReuseBenchmark 4 3 dump FILE` writes (each prompt in file order with its examples, and the
text each example adds to the system prompt). An exact prefix cache evaluates each distinct prompt prefix once, so
its cost is the size of the prompts' prefix tree. This program chooses one order of examples per distinct example set
so that the tree is smallest, as an integer program (scipy's HiGHS), then rebuilds the prompts in that order and
measures their tree byte by byte (one token per byte for the benchmark's model).

    python3 docs/bench/optimal_icl_order.py prompts.json

Needs Python 3 with scipy >= 1.9 (Debian: python3-scipy).
"""
import itertools
import json
import sys

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix


def tree_size(prompts):
    """Bytes in the prefix tree of the prompts: each prompt's bytes after what it shares with its sorted neighbour."""
    total, previous = 0, b""
    for p in sorted(prompts):
        common = 0
        while common < min(len(p), len(previous)) and p[common] == previous[common]:
            common += 1
        total += len(p) - common
        previous = p
    return total


def main(path):
    data = json.load(open(path, encoding="utf-8"))
    blocks = {q: t.encode("utf-8") for q, t in data["blocks"].items()}
    entries = data["prompts"]
    sets = sorted({frozenset(e["examples"]) for e in entries}, key=sorted)
    k = len(entries[0]["examples"])
    # x: one order per set; y: a first-level node per example; z: a node per ordered prefix of length 2..k-1.
    xs = [(i, order) for i, s in enumerate(sets) for order in itertools.permutations(sorted(s))]
    nodes = sorted({order[:d] for _, order in xs for d in range(1, k)})
    node_index = {n: len(xs) + j for j, n in enumerate(nodes)}
    cost = np.zeros(len(xs) + len(nodes))
    for j, (_, order) in enumerate(xs):
        cost[j] = len(blocks[order[-1]])
    for n, j in node_index.items():
        cost[j] = len(blocks[n[-1]])
    rows = len(sets) + len(xs) * (k - 1)
    a = lil_matrix((rows, len(cost)))
    low, high = np.zeros(rows), np.zeros(rows)
    for j, (i, _) in enumerate(xs):
        a[i, j] = 1
    low[:len(sets)] = high[:len(sets)] = 1
    r = len(sets)
    for j, (_, order) in enumerate(xs):
        for d in range(1, k):  # choosing an order needs each of its proper prefixes
            a[r, j], a[r, node_index[order[:d]]] = 1, -1
            low[r], high[r] = -np.inf, 0
            r += 1
    result = milp(cost, constraints=LinearConstraint(a.tocsr(), low, high), integrality=np.ones(len(cost)),
                  bounds=Bounds(0, 1))
    if not result.success:
        sys.exit("no optimum: " + result.message)
    chosen = {sets[i]: order for j, (i, order) in enumerate(xs) if result.x[j] > 0.5}

    def system_blocks(order):
        return b"".join(blocks[q] for q in order)

    file_order, best = [], []
    for e in entries:
        prompt = e["prompt"].encode("utf-8")
        mine = system_blocks(e["examples"])
        assert prompt.count(mine) == 1, "the examples' text is not in the prompt once"
        file_order.append(prompt)
        best.append(prompt.replace(mine, system_blocks(chosen[frozenset(e["examples"])])))
    total = sum(len(p) for p in file_order)
    print(f"{len(entries)} prompts, {len(sets)} distinct example sets of {k}, {total} prompt tokens")
    for name, prompts in (("floor, iclOrder(FILE)", file_order), ("floor, the best order for this batch", best)):
        size = tree_size(prompts)
        print(f"{name:40s} {size:8d} of {total:8d} prompt tokens = {100 * size / total:5.1f}% at the least")


if __name__ == "__main__":
    main(sys.argv[1])
