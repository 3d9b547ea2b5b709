import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * scripts/skipped-tests: lists every skipped test of the JUnit XML reports in the given
 * directories (target/surefire-reports, target/failsafe-reports) with its reason. With --strict
 * (scripts/test as root) it exits 1 if one was skipped for anything but a missing kernel feature:
 * the reasons of org.vserver.testsupport.HostFeatures, which start with {@link #KERNEL}.
 */
class SkippedTests {
    /** HostFeatures.PREFIX: the one accepted reason. */
    static final String KERNEL = "kernel feature: ";

    record Skip(String test, String reason) {}

    /** An aborted test's skip has no message, only its stack trace: "TYPE: MESSAGE" on the first line. */
    static String firstLine(Element skipped) {
        String line = skipped.getTextContent().strip().lines().findFirst().orElse("");
        String type = skipped.getAttribute("type") + ": ";
        return line.startsWith(type) ? line.substring(type.length()) : line;
    }

    public static void main(String[] args) throws Exception {
        boolean strict = false;
        List<Path> dirs = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--strict")) strict = true;
            else dirs.add(Path.of(a));
        }
        List<Path> reports = new ArrayList<>();
        for (Path d : dirs) {
            if (!Files.isDirectory(d)) continue;
            try (Stream<Path> s = Files.list(d)) {
                s.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).sorted().forEach(reports::add);
            }
        }
        if (reports.isEmpty()) {
            System.err.println("skipped-tests: no TEST-*.xml report in " + dirs + ": did the tests run?");
            System.exit(2);
        }
        List<Skip> skips = new ArrayList<>();
        var factory = DocumentBuilderFactory.newInstance();
        for (Path r : reports) {
            NodeList cases = factory.newDocumentBuilder().parse(r.toFile()).getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element c = (Element) cases.item(i);
                NodeList sk = c.getElementsByTagName("skipped");
                if (sk.getLength() == 0) continue;
                Element s = (Element) sk.item(0);
                String reason = s.hasAttribute("message") ? s.getAttribute("message") : firstLine(s);
                String name = c.getAttribute("name");
                skips.add(new Skip(c.getAttribute("classname") + (name.isEmpty() ? "" : "." + name), reason.isEmpty() ? "(no reason given)" : reason));
            }
        }
        List<Skip> bad = skips.stream().filter(s -> !s.reason().startsWith(KERNEL)).toList();
        System.out.println(skips.size() + " test(s) skipped in " + reports.size() + " report(s)" + (skips.isEmpty() ? "" : ":"));
        for (Skip s : skips) System.out.println("  skipped " + s.test() + ": " + s.reason());
        if (strict && !bad.isEmpty()) {
            System.err.println("skipped-tests: " + bad.size() + " test(s) skipped for a reason other than a missing kernel feature"
                    + " (as root every other test must run):");
            for (Skip s : bad) System.err.println("  " + s.test() + ": " + s.reason());
            System.exit(1);
        }
    }
}
