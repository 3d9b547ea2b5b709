package org.vserver.context;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.vserver.bpf.ClassicProgram;
import org.vserver.config.SeccompConfig;
import org.vserver.seccomp.FilterCompiler;

/**
 * The seccomp filter of a guest with the default profile and the default bounding set (most
 * guests), compiled by the build ({@code mvn package}, phase process-classes) into the jar. A JVM
 * that has just started compiles a filter in about 60 ms, against 5 ms once warm: every start and
 * every stop paid that. The build writes the bytes with this same code, so they cannot differ from
 * what the compiler would give; {@code DefaultFilterFileTest} checks it anyway, and without the
 * resource (classes run outside the jar) the filter is compiled as before.
 */
public final class DefaultFilterFile {
    /** The resource beside this class. */
    static final String RESOURCE = "default-filter.bpf";

    private DefaultFilterFile() {}

    /** The program {@link GuestFilter} gives a guest with neither seccomp/ changes nor bcapabilities. */
    static ClassicProgram compile() {
        return FilterCompiler.compile(GuestFilter.profile(SeccompConfig.DEFAULT, Capabilities.bounding(List.of())));
    }

    /** The compiled default from the jar, if it is there. */
    static Optional<ClassicProgram> load() {
        try (InputStream in = DefaultFilterFile.class.getResourceAsStream(RESOURCE)) {
            if (in == null) return Optional.empty();
            return Optional.of(ClassicProgram.decode(in.readAllBytes()));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();                                   // compiled instead: slower, never wrong
        }
    }

    /** Writes the compiled default to {@code args[0]} (the build's classes directory). */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        Files.createDirectories(out.getParent());
        Files.write(out, compile().bytes());
    }
}
