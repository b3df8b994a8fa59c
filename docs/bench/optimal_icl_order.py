#!/usr/bin/env python3
"""The least prefix reuse can evaluate for a batch of DRO prompts, whatever order each prompt gives its examples.

Input: the JSON that `PrefixReuseBenchmark 4 3 dump FILE` writes (each prompt in file order with its examples, and the
text each example adds to the system prompt). An exact prefix cache evaluates each distinct prompt prefix once, so
its cost is the size of the prompts' prefix tree (one token per byte for the benchmark's model).

It prints two figures:
- the best order found: one order of examples per distinct example set, chosen by an integer program (scipy's
  HiGHS) to make the tree of whole examples smallest, then measured byte by byte on the prompts rebuilt in it;
- a lower bound for every order: the same program where each example costs its length minus the longest prefix it
  shares with another example, plus each query's part minus the longest prefix it shares with the part of a query
  that retrieved the same examples, plus the common header once. No tree can share more than that, so no order goes below it.

    python3 docs/bench/optimal_icl_order.py prompts.json

Needs Python 3 with scipy >= 1.9 (Debian: python3-scipy).
"""
import itertools
import json
import sys

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix


def common_prefix(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def tree_size(prompts):
    """Bytes in the prefix tree of the prompts: each prompt's bytes after what it shares with its sorted neighbour."""
    total, previous = 0, b""
    for p in sorted(prompts):
        total += len(p) - common_prefix(p, previous)
        previous = p
    return total


def most_shared(texts):
    """For each text, the longest prefix it shares with any other of the texts."""
    ordered = sorted(set(texts))
    best = {}
    for i, t in enumerate(ordered):  # in sorted order, the longest shared prefix is with a neighbour
        neighbours = ordered[max(0, i - 1):i] + ordered[i + 1:i + 2]
        best[t] = max((common_prefix(t, n) for n in neighbours), default=0)
    return best


def smallest_tree(sets, k, cost_of):
    """The order per set that makes the tree of examples cheapest, each tree node costing cost_of(its example)."""
    xs = [(i, order) for i, s in enumerate(sets) for order in itertools.permutations(sorted(s))]
    nodes = sorted({order[:d] for _, order in xs for d in range(1, k)})  # the proper prefixes of the orders
    node_index = {n: len(xs) + j for j, n in enumerate(nodes)}
    cost = np.zeros(len(xs) + len(nodes))
    for j, (_, order) in enumerate(xs):
        cost[j] = cost_of(order[-1])
    for n, j in node_index.items():
        cost[j] = cost_of(n[-1])
    rows = len(sets) + len(xs) * (k - 1)
    a = lil_matrix((rows, len(cost)))
    low, high = np.zeros(rows), np.zeros(rows)
    for j, (i, _) in enumerate(xs):  # one order per set
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
    return result.fun, {sets[i]: order for j, (i, order) in enumerate(xs) if result.x[j] > 0.5}


def main(path):
    data = json.load(open(path, encoding="utf-8"))
    blocks = {q: t.encode("utf-8") for q, t in data["blocks"].items()}
    entries = data["prompts"]
    sets = sorted({frozenset(e["examples"]) for e in entries}, key=sorted)
    k = len(entries[0]["examples"])

    def system_blocks(order):
        return b"".join(blocks[q] for q in order)

    prompts, headers, users = [], set(), []
    for e in entries:
        prompt = e["prompt"].encode("utf-8")
        mine = system_blocks(e["examples"])
        assert prompt.count(mine) == 1, "the examples' text is not in the prompt once"
        at = prompt.index(mine)
        prompts.append(prompt)
        headers.add(prompt[:at])
        users.append(prompt[at + len(mine):])
    assert len(headers) == 1, "the prompts do not share one header before their examples"
    total = sum(len(p) for p in prompts)

    _, chosen = smallest_tree(sets, k, lambda q: len(blocks[q]))
    best = [p.replace(system_blocks(e["examples"]), system_blocks(chosen[frozenset(e["examples"])]))
            for p, e in zip(prompts, entries)]
    shared_block = most_shared(list(blocks.values()))
    examples_bound, _ = smallest_tree(sets, k, lambda q: len(blocks[q]) - shared_block[blocks[q]])
    # a query's part can share a prefix only with the part of a query that has the same examples before it
    by_set = {}
    for e, u in zip(entries, users):
        by_set.setdefault(frozenset(e["examples"]), []).append(u)
    users_bound = 0
    for group in by_set.values():
        shared_user = most_shared(group)
        users_bound += sum(len(u) - shared_user[u] for u in group)
    bound = len(headers.pop()) + examples_bound + users_bound

    print(f"{len(entries)} prompts, {len(sets)} distinct example sets of {k}, {total} prompt tokens")
    for name, size in (("floor, iclOrder(FILE)", tree_size(prompts)),
                       ("floor, the best order for this batch", tree_size(best)),
                       ("lower bound, any order", bound)):
        print(f"{name:40s} {int(size):8d} of {total:8d} prompt tokens = {100 * size / total:5.1f}% at the least")


if __name__ == "__main__":
    main(sys.argv[1])
