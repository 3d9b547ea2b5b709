package org.vserver.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One {@code dlimits/<ID>/} of a guest (reference §5.3): the limit on the files below
 * {@code directory}. Empty totals mean "no limit" for that resource.
 *
 * @param id              the name of the {@code dlimits/} subdirectory (any name; util-vserver used 0, 1, ...)
 * @param directory       the directory the limit applies to (absolute)
 * @param spaceTotalKib   {@code space_total}, in KiB
 * @param inodesTotal     {@code inodes_total}
 * @param reservedPercent {@code reserved}: the share kept for root, 0..99 (default {@link #DEFAULT_RESERVED})
 */
public record DiskLimit(String id, Path directory, OptionalLong spaceTotalKib, OptionalLong inodesTotal, int reservedPercent) {
    /** util-vserver's default, which is also ext4's. */
    public static final int DEFAULT_RESERVED = 5;

    public DiskLimit {
        Objects.requireNonNull(id);
        Objects.requireNonNull(directory);
        Objects.requireNonNull(spaceTotalKib);
        Objects.requireNonNull(inodesTotal);
        if (reservedPercent < 0 || reservedPercent > 99)
            throw new IllegalArgumentException("reserved " + reservedPercent + "% is outside 0..99");
    }
}
