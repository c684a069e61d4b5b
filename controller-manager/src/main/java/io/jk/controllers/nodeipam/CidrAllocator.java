package io.jk.controllers.nodeipam;

import java.util.BitSet;
import java.util.Optional;

/**
 * Hands out the sub-blocks of a cluster CIDR one at a time, never the same one twice until it is
 * released. Not thread-safe: the Node IPAM controller calls it under its own lock.
 */
public final class CidrAllocator {

  private final Cidr cluster;
  private final int subPrefix;
  private final long count;
  private final BitSet used = new BitSet();
  private long next;

  /** An allocator of {@code /subPrefix} blocks of {@code cluster}. */
  public CidrAllocator(Cidr cluster, int subPrefix) {
    if (subPrefix < cluster.prefix() || subPrefix > 32) {
      throw new IllegalArgumentException("node mask /" + subPrefix + " does not fit in " + cluster);
    }
    this.cluster = cluster;
    this.subPrefix = subPrefix;
    this.count = Math.min(cluster.subnetCount(subPrefix), Integer.MAX_VALUE);
  }

  /** The next free block, or empty when the range is exhausted. */
  public Optional<Cidr> allocate() {
    for (long i = 0; i < count; i++) {
      int idx = (int) ((next + i) % count);
      if (!used.get(idx)) {
        used.set(idx);
        next = idx + 1;
        return Optional.of(cluster.subnet(subPrefix, idx));
      }
    }
    return Optional.empty();
  }

  /** Marks {@code block} as taken (a node that already has it); false if outside the range. */
  public boolean occupy(Cidr block) {
    long idx = block.prefix() == subPrefix ? cluster.indexOf(block) : -1;
    if (idx < 0 || idx >= count) {
      return false;
    }
    used.set((int) idx);
    return true;
  }

  /** Frees {@code block}. */
  public void release(Cidr block) {
    long idx = block.prefix() == subPrefix ? cluster.indexOf(block) : -1;
    if (idx >= 0 && idx < count) {
      used.clear((int) idx);
    }
  }

  /** Blocks in use. */
  public int inUse() {
    return used.cardinality();
  }
}
