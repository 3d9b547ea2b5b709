package org.vserver.cgroup;

import java.util.Arrays;
import java.util.List;

/** Checks the names that become cgroup path segments. */
final class CgroupName {
    private CgroupName() {}

    /** A guest name: one path segment, not "." or "..". */
    static String guest(String guest) {
        if (guest == null || guest.isEmpty() || guest.equals(".") || guest.equals("..") || guest.contains("/")
                || guest.indexOf('\0') >= 0)
            throw new IllegalArgumentException("not a guest cgroup name: \"" + guest + "\"");
        return guest;
    }

    /** The parent ("vservers", or "a/b"): relative segments, none "." or "..". */
    static List<String> parent(String parent) {
        if (parent == null || parent.isEmpty() || parent.startsWith("/") || parent.endsWith("/"))
            throw new IllegalArgumentException("not a parent cgroup name: \"" + parent + "\"");
        List<String> segments = Arrays.asList(parent.split("/"));
        try {
            segments.forEach(CgroupName::guest);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a parent cgroup name: \"" + parent + "\"");
        }
        return List.copyOf(segments);
    }
}
