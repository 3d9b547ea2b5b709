package org.vserver.kernel;

import java.util.BitSet;

/**
 * A set of CPU (or memory node) numbers in the kernel's list format, {@code 0-3,5,7-8}, as in
 * {@code cpuset.cpus} and {@code /sys/devices/system/cpu/online}.
 */
public record CpuList(BitSet bits) {

    public CpuList {
        bits = (BitSet) bits.clone();
    }

    @Override
    public BitSet bits() { return (BitSet) bits.clone(); }

    /**
     * Parses the list format; blanks around items are allowed, an empty string is the empty set.
     *
     * @throws IllegalArgumentException naming the bad item
     */
    public static CpuList parse(String text) {
        BitSet b = new BitSet();
        String s = text.strip();
        if (s.isEmpty()) return new CpuList(b);
        for (String item : s.split(",")) {
            String t = item.strip();
            int dash = t.indexOf('-');
            try {
                int lo = Integer.parseInt(dash < 0 ? t : t.substring(0, dash).strip());
                int hi = dash < 0 ? lo : Integer.parseInt(t.substring(dash + 1).strip());
                if (lo < 0 || hi < lo || hi > 8191) throw new IllegalArgumentException("bad range '" + t + "'");
                b.set(lo, hi + 1);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad item '" + t + "' (expected N or N-M)");
            }
        }
        return new CpuList(b);
    }

    public int count() { return bits.cardinality(); }

    public boolean contains(int cpu) { return bits.get(cpu); }

    public boolean isEmpty() { return bits.isEmpty(); }

    /** True if every member of {@code other} is in this set. */
    public boolean containsAll(CpuList other) {
        BitSet extra = other.bits();
        extra.andNot(bits);
        return extra.isEmpty();
    }

    /** The members of this set missing from {@code available}. */
    public CpuList minus(CpuList available) {
        BitSet b = bits();
        b.andNot(available.bits);
        return new CpuList(b);
    }

    /** The kernel's list format with ranges, e.g. {@code 0-3,5}. */
    @Override
    public String toString() {
        var sb = new StringBuilder();
        for (int i = bits.nextSetBit(0); i >= 0; ) {
            int end = bits.nextClearBit(i) - 1;
            if (!sb.isEmpty()) sb.append(',');
            sb.append(i);
            if (end > i) sb.append('-').append(end);
            i = bits.nextSetBit(end + 1);
        }
        return sb.toString();
    }
}
