package org.vserver.config;

import java.nio.file.Path;

/** A second JVM for XidAllocatorTest: allocates {@code count} XIDs under {@code confdir}, one per line. */
public final class XidAllocatorMain {
    private XidAllocatorMain() {}

    public static void main(String[] args) throws Exception {
        var root = new ConfigRoot(Path.of(args[0]));
        var allocator = new XidAllocator();
        for (int i = 0; i < Integer.parseInt(args[1]); i++) System.out.println(allocator.next(root));
    }
}
