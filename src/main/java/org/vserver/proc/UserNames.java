package org.vserver.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * uid → login name from the host's passwd file, read once. Guest processes show the host's name
 * for their uid, as top in VServer's spectator context did; an unknown uid shows as its number.
 */
public final class UserNames {
    private final Map<Integer, String> names;

    private UserNames(Map<Integer, String> names) { this.names = names; }

    /** Reads {@code passwd} (name:password:uid:...); a missing file gives numbers only. */
    public static UserNames read(Path passwd) throws IOException {
        Map<Integer, String> names = new HashMap<>();
        try {
            for (String line : Files.readAllLines(passwd)) {
                String[] f = line.split(":", 4);
                if (f.length < 4 || f[0].isEmpty()) continue;
                try {
                    names.putIfAbsent(Integer.parseInt(f[2]), f[0]);     // the first entry wins, as in getpwuid
                } catch (NumberFormatException e) {
                    // a comment or a NIS "+" line: not ours to judge
                }
            }
        } catch (NoSuchFileException e) {
            // a minimal host: numbers only
        }
        return new UserNames(names);
    }

    public String of(int uid) {
        String n = names.get(uid);
        return n != null ? n : Integer.toString(uid);
    }
}
