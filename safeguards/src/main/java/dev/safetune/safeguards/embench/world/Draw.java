package dev.safetune.safeguards.embench.world;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Uniform draws from an explicit generator: the world never touches global random state. */
final class Draw {
    private Draw() {}

    static <T> T pick(SplittableRandom rng, List<T> items) {
        return items.get(rng.nextInt(items.size()));
    }

    /** True with probability {@code p}. */
    static boolean chance(SplittableRandom rng, double p) {
        return rng.nextDouble() < p;
    }

    /** An integer uniform on {@code [from, to]}, both included. */
    static int between(SplittableRandom rng, int from, int to) {
        return rng.nextInt(from, to + 1);
    }

    /** {@code k} distinct items in random order (a partial Fisher–Yates shuffle). */
    static <T> List<T> sample(SplittableRandom rng, List<T> items, int k) {
        if (k > items.size()) {
            throw new IllegalArgumentException("cannot draw " + k + " of " + items.size() + " items");
        }
        List<T> pool = new ArrayList<>(items);
        for (int i = 0; i < k; i++) {
            int j = rng.nextInt(i, pool.size());
            T tmp = pool.get(i);
            pool.set(i, pool.get(j));
            pool.set(j, tmp);
        }
        return List.copyOf(pool.subList(0, k));
    }
}
