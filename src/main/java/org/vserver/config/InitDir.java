package org.vserver.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.vserver.config.GuestConfig.InitConfig;

/** {@code apps/init/}: how the guest is started and stopped (reference §7.5). Each file falls back to {@code .defaults}. */
final class InitDir {
    private InitDir() {}

    static final Set<String> STYLES = Set.of("sysv", "plain", "rescue", "minit", "gentoo", "openrc", "arch");
    static final String DEFAULT_STYLE = "sysv";
    static final String DEFAULT_RUNLEVEL_START = "3";
    static final String DEFAULT_RUNLEVEL_STOP = "6";
    static final Map<String, String> DEFAULT_ENVIRONMENT = Map.of("PATH", "/bin:/usr/bin:/sbin:/usr/sbin");

    static InitConfig read(ConfigFiles files) throws ConfigException {
        Optional<ConfigFiles.Content> st = files.lookup("apps/init/style");
        String style = st.isPresent() ? style(st.get()) : DEFAULT_STYLE;
        String start = runlevel(files.lookupFirst("apps/init/runlevel.start", "apps/init/runlevel"), DEFAULT_RUNLEVEL_START);
        String stop = runlevel(files.lookup("apps/init/runlevel.stop"), DEFAULT_RUNLEVEL_STOP);
        List<String> cmdStart = argv(files.lookup("apps/init/cmd.start"));
        List<String> cmdStop = argv(files.lookup("apps/init/cmd.stop"));
        Optional<ConfigFiles.Content> ks = files.lookup("apps/init/killseq");
        List<Integer> killseq = ks.isPresent() ? KillSeq.parse(ks.get()) : KillSeq.DEFAULT;
        Optional<ConfigFiles.Content> env = files.lookup("apps/init/environment");
        Map<String, String> environment = env.isPresent() ? env.get().hash() : DEFAULT_ENVIRONMENT;
        return new InitConfig(style, start, stop, cmdStart, cmdStop, killseq, environment);
    }

    static String style(ConfigFiles.Content c) throws ConfigException {
        ConfigFiles.Line l = c.nonEmptyScalar();
        if (!STYLES.contains(l.text()))
            throw l.error("unknown init style '" + l.text() + "' (known: "
                    + String.join(", ", STYLES.stream().sorted().toList()) + ")");
        return l.text();
    }

    /** A runlevel is one word: "3", "S", or openrc's "default". */
    static String runlevel(ConfigFiles.Content c) throws ConfigException {
        ConfigFiles.Line l = c.nonEmptyScalar();
        if (!l.text().matches("[A-Za-z0-9._-]{1,32}")) throw l.error("invalid runlevel '" + l.text() + "'");
        return l.text();
    }

    private static String runlevel(Optional<ConfigFiles.Content> c, String dflt) throws ConfigException {
        return c.isPresent() ? runlevel(c.get()) : dflt;
    }

    /** One argument per line (a list: blank and # lines are not arguments). */
    private static List<String> argv(Optional<ConfigFiles.Content> c) {
        return c.map(content -> content.items().stream().map(ConfigFiles.Line::text).toList()).orElse(List.of());
    }
}
