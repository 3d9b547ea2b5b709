package org.vserver.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.vserver.config.GuestConfig.FstabEntry;

/**
 * A guest's {@code fstab}: {@code spec file vfstype options [dump [pass]]} per line, whitespace
 * separated, with fstab(5)'s octal escapes ({@code \040} for a space). Targets are paths inside the
 * guest root, so they must be absolute and must not climb out of it with {@code ..}.
 */
final class Fstab {
    private Fstab() {}

    static List<FstabEntry> parse(ConfigFiles.Content content) throws ConfigException {
        var out = new ArrayList<FstabEntry>();
        for (ConfigFiles.Line l : content.items()) out.add(entry(l));
        return out;
    }

    static FstabEntry entry(ConfigFiles.Line l) throws ConfigException {
        String[] f = l.text().split("\\s+");
        if (f.length < 4)
            throw l.error("fstab line needs 'spec file vfstype options [dump pass]', got " + f.length + " field"
                    + (f.length == 1 ? "" : "s"));
        if (f.length > 6) throw l.error("fstab line has " + f.length + " fields, at most 6 allowed");
        for (int i = 4; i < f.length; i++)
            if (!f[i].matches("\\d+")) throw l.error("fstab " + (i == 4 ? "dump" : "pass") + " must be a number, got '" + f[i] + "'");
        String source = unescape(f[0], l);
        String target = unescape(f[1], l);
        if (!target.startsWith("/")) throw l.error("fstab target '" + target + "' must be an absolute path in the guest");
        for (String seg : target.split("/"))
            if (seg.equals("..")) throw l.error("fstab target '" + target + "' must not contain '..'");
        if (target.replace("/.", "/").replaceAll("/+", "/").equals("/"))
            throw l.error("fstab target '" + target + "' is the guest's root itself: nothing is mounted over it"
                    + " (give a directory in the guest, e.g. /mnt)");
        String type = unescape(f[2], l);
        List<String> options = Arrays.stream(unescape(f[3], l).split(",")).filter(s -> !s.isEmpty()).toList();
        return new FstabEntry(source, target, type, options, l.number());
    }

    /** fstab(5): "\040" is a space, "\011" a tab, "\134" a backslash; any \NNN octal is accepted. */
    static String unescape(String s, ConfigFiles.Line l) throws ConfigException {
        if (s.indexOf('\\') < 0) return s;
        var sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else if (c == '\\') {
                throw l.error("bad escape in '" + s + "': use \\NNN (octal), e.g. \\040 for a space");
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
