"""One-row matrix products (a batch-1 decoding step) by weight layout, on torch CPU: GB/s of weights read.

F.linear(x, W) with W stored [out, in] (Hugging Face's layout, and the runtime's) against x @ Wt with the weight
stored transposed [in, out], for the projection shapes of ModelRuntimeBenchmark's 10M model, next to what one core
reads when it sums a large array. 40 different matrices per shape, so that they come from memory, not the cache.
Usage: python matvec_layout_benchmark.py [threads...]   (default: 1 2)
"""
import sys
import time

import torch
import torch.nn.functional as F


def rate(fn, weights, nbytes):
    for _ in range(3):
        fn(weights[0])
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for w in weights:
            fn(w)
        best = min(best, (time.perf_counter() - started) / len(weights))
    return nbytes / best / 1e9


def main():
    threads = [int(t) for t in sys.argv[1:]] or [1, 2]
    for n in threads:
        torch.set_num_threads(n)
        big = torch.randn(32 * 1024 * 1024)
        summed = rate(lambda a: a.sum(), [big], big.numel() * 4)
        print(f"{n} thread(s): sum of a {big.numel() * 4 / 1e6:.0f} MB array {summed:.1f} GB/s")
        for out, inp in [(960, 320), (1728, 320), (320, 864), (8192, 320)]:
            ws = [torch.randn(out, inp) for _ in range(40)]
            wts = [w.t().contiguous() for w in ws]
            x = torch.randn(1, inp)
            nbytes = out * inp * 4
            linear = rate(lambda w: F.linear(x, w), ws, nbytes)
            transposed = rate(lambda w: torch.mm(x, w), wts, nbytes)
            print(f"  [{out} x {inp}]: F.linear(x, W[out,in]) {linear:.1f} GB/s, x @ Wt[in,out] {transposed:.1f} GB/s")


if __name__ == "__main__":
    main()
