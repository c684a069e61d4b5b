package io.jk.controllers.nodeipam;

/**
 * An IPv4 CIDR block such as {@code 10.244.0.0/16}.
 *
 * @param base the network address as an unsigned 32-bit value
 * @param prefix the prefix length (0..32)
 */
public record Cidr(long base, int prefix) {

  /**
   * Parses {@code a.b.c.d/n}; host bits must be zero.
   *
   * @throws IllegalArgumentException with the reason when the text is not such a block
   */
  public static Cidr parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("missing CIDR");
    }
    String[] parts = text.trim().split("/", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException("invalid CIDR \"" + text + "\": expected a.b.c.d/n");
    }
    String[] octets = parts[0].split("\\.", -1);
    if (octets.length != 4) {
      throw new IllegalArgumentException("invalid CIDR \"" + text + "\": only IPv4 is supported");
    }
    long base = 0;
    int prefix;
    try {
      for (String o : octets) {
        int v = Integer.parseInt(o);
        if (v < 0 || v > 255) {
          throw new IllegalArgumentException("invalid CIDR \"" + text + "\": octet " + o + " out of range");
        }
        base = (base << 8) | v;
      }
      prefix = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid CIDR \"" + text + "\": not a number");
    }
    if (prefix < 0 || prefix > 32) {
      throw new IllegalArgumentException("invalid CIDR \"" + text + "\": prefix must be 0..32");
    }
    if ((base & ~mask(prefix)) != 0) {
      throw new IllegalArgumentException("invalid CIDR \"" + text + "\": host bits are set");
    }
    return new Cidr(base, prefix);
  }

  /** The {@code index}-th sub-block of length {@code subPrefix}. */
  public Cidr subnet(int subPrefix, long index) {
    return new Cidr(base + (index << (32 - subPrefix)), subPrefix);
  }

  /** How many sub-blocks of length {@code subPrefix} this block holds. */
  public long subnetCount(int subPrefix) {
    return 1L << (subPrefix - prefix);
  }

  /** The index of {@code sub} among this block's sub-blocks of its length, or -1 if outside. */
  public long indexOf(Cidr sub) {
    if (sub.prefix < prefix || (sub.base & mask(prefix)) != base) {
      return -1;
    }
    return (sub.base - base) >> (32 - sub.prefix);
  }

  private static long mask(int prefix) {
    return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
  }

  @Override
  public String toString() {
    return ((base >> 24) & 255) + "." + ((base >> 16) & 255) + "." + ((base >> 8) & 255) + "." + (base & 255) + "/" + prefix;
  }
}
