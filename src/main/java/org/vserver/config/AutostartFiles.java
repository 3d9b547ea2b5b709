package org.vserver.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * util-vserver's autostart settings of a guest: {@code apps/init/mark}, the mark a host's boot
 * starts it by ({@code vserver-autostart --mark default start}), and {@code apps/init/depends},
 * the guests that must run before it, one name per line.
 */
public final class AutostartFiles {
    private AutostartFiles() {}

    /** @param mark empty: started by no mark */
    public record Autostart(Optional<String> mark, List<String> depends) {
        public Autostart {
            depends = List.copyOf(depends);
        }
    }

    /** The guest's settings (its own files only: a mark in .defaults would start every guest). */
    public static Autostart read(ConfigRoot root, String name) throws ConfigException {
        var files = new ConfigFiles(root.guestDir(name), root.defaultsDir());
        Optional<ConfigFiles.Content> m = files.guest("apps/init/mark");
        Optional<String> mark = Optional.empty();
        if (m.isPresent()) {
            ConfigFiles.Line l = m.get().nonEmptyScalar();
            if (!l.text().matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) throw l.error("invalid mark '" + l.text() + "': a word");
            mark = Optional.of(l.text());
        }
        List<String> depends = new ArrayList<>();
        Optional<ConfigFiles.Content> d = files.guest("apps/init/depends");
        if (d.isPresent()) {
            for (ConfigFiles.Line l : d.get().items()) {
                if (!ConfigRoot.isValidName(l.text())) throw l.error("invalid guest name '" + l.text() + "'");
                if (l.text().equals(name)) throw l.error("guest '" + name + "' cannot depend on itself");
                depends.add(l.text());
            }
        }
        return new Autostart(mark, depends);
    }
}
