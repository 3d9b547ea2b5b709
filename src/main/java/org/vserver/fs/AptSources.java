package org.vserver.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A Debian or Ubuntu guest's {@code /etc/apt/sources.list} after debootstrap, which writes the
 * release line only: a guest without the security and updates suites never gets a security fix.
 * The release and updates suites come from the build's mirror; security fixes from the
 * distribution's security archive, which mirrors often do not carry (a mirror that does can be put
 * back in the file by hand).
 */
final class AptSources {
    private AptSources() {}

    static final String DEBIAN_SECURITY = "http://security.debian.org/debian-security";
    static final String UBUNTU_SECURITY = "http://security.ubuntu.com/ubuntu";

    /** The lines for {@code suite} from {@code mirror}; Ubuntu's components as a server install has them. */
    static List<String> lines(String suite, String mirror, boolean ubuntu) {
        List<String> out = new ArrayList<>();
        if (ubuntu) {
            String components = "main restricted universe";
            out.add("deb " + mirror + " " + suite + " " + components);
            out.add("deb " + mirror + " " + suite + "-updates " + components);
            out.add("deb " + UBUNTU_SECURITY + " " + suite + "-security " + components);
            return out;
        }
        out.add("deb " + mirror + " " + suite + " main");
        switch (suite) {
            case "sid", "unstable" -> {}                                   // no updates, no security support
            case "buster", "oldoldstable" -> {
                out.add("deb " + mirror + " " + suite + "-updates main");
                out.add("deb " + DEBIAN_SECURITY + " " + suite + "/updates main");   // the layout before bullseye
            }
            default -> {
                out.add("deb " + mirror + " " + suite + "-updates main");
                out.add("deb " + DEBIAN_SECURITY + " " + suite + "-security main");
            }
        }
        return out;
    }

    /** Writes the file into {@code tree} (no link in it is followed). */
    static void write(GuestTree tree, String suite, String mirror, boolean ubuntu) throws IOException {
        String text = String.join("\n", lines(suite, mirror, ubuntu)) + "\n";
        tree.write("etc/apt/sources.list", text.getBytes(StandardCharsets.UTF_8), 0644);
    }
}
