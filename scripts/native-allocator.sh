# Sourced by ./safetune: runs the JVM on jemalloc when the machine has it (Debian/Ubuntu package libjemalloc2).
# Training allocates and frees tensors of tens of MB every step (a [batch, sequence, vocabulary] logits tensor is
# 67 MB for the 10M benchmark model); glibc returns every allocation over 32 MB to the kernel, and the next step
# page-faults it back in. jemalloc without decay keeps the freed pages: 10M training 9-12 % faster, 8x fewer page
# faults and a lower peak RSS (docs/benchmarks.md). SAFETUNE_ALLOCATOR=glibc keeps the default allocator.
if [ "${SAFETUNE_ALLOCATOR:-jemalloc}" = jemalloc ] && [ -z "${LD_PRELOAD:-}" ]; then
  for lib in /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/aarch64-linux-gnu/libjemalloc.so.2 \
             /usr/lib64/libjemalloc.so.2 /usr/local/lib/libjemalloc.so.2; do
    if [ -r "$lib" ]; then
      export LD_PRELOAD="$lib"
      export MALLOC_CONF="${MALLOC_CONF:-dirty_decay_ms:-1,muzzy_decay_ms:-1}"
      break
    fi
  done
fi
