package org.vserver.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.vserver.config.GuestConfig.InitConfig;

/** {@code apps/init/}: how the guest is started and stopped (reference §7.5). Each file falls back to {@code .defaults}. */
final class InitDir {
    private InitDir() {}

    static final Set<String> STYLES = Set.of("systemd", "sysv", "plain", "rescue", "minit", "gentoo", "openrc");
    /** Styles util-vserver had that boot nothing current, and what to use instead. */
    static final Map<String, String> GONE = Map.of("arch", "Arch Linux boots systemd since 2012: use `systemd`");
    static final String DEFAULT_STYLE = "sysv";
    static final String DEFAULT_RUNLEVEL_START = "3";
    /** Runlevel 0, halt, as the "clean shutdown" asks (util-vserver stopped with 6, reboot). */
    static final String DEFAULT_RUNLEVEL_STOP = "0";
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
        int stopTimeout = seconds(files.lookup("apps/init/timeout.stop"), InitConfig.DEFAULT_STOP_TIMEOUT);
        int startTimeout = seconds(files.lookup("apps/init/timeout.start"), InitConfig.DEFAULT_START_TIMEOUT);
        return new InitConfig(style, start, stop, cmdStart, cmdStop, killseq, environment, stopTimeout, startTimeout);
    }

    /** A timeout in whole seconds, 1 to 3600. */
    static int seconds(Optional<ConfigFiles.Content> c, int dflt) throws ConfigException {
        if (c.isEmpty()) return dflt;
        ConfigFiles.Line l = c.get().nonEmptyScalar();
        try {
            int v = Integer.parseInt(l.text());
            if (v >= 1 && v <= 3600) return v;
        } catch (NumberFormatException e) {
            // said below
        }
        throw l.error("not a timeout in seconds: '" + l.text() + "' (a whole number from 1 to 3600)");
    }

    static String style(ConfigFiles.Content c) throws ConfigException {
        ConfigFiles.Line l = c.nonEmptyScalar();
        if (GONE.containsKey(l.text()))
            throw l.error("init style '" + l.text() + "' is gone: " + GONE.get(l.text()));
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
