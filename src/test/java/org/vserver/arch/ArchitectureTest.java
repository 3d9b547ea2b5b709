package org.vserver.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure, checked on the compiled product: packages form a graph without cycles
 * (kernel vocabulary in {@code kernel}, which depends on nothing of ours), and no source names a
 * class of ours by its full name to get around an import (the import list is how a reader, and
 * this test, see what a file depends on).
 */
class ArchitectureTest {
    private static JavaClasses product;

    @BeforeAll
    static void importProduct() {
        product = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.vserver");
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("org.vserver.(*)..").should().beFreeOfCycles().check(product);
    }

    @Test
    void kernelVocabularyDependsOnNothingOfOurs() {
        noClasses()
                .that().resideInAPackage("org.vserver.kernel..")
                .should().dependOnClassesThat().resideOutsideOfPackages("org.vserver.kernel..", "java..")
                .check(product);
    }

    /** A use of {@code org.vserver.x.Name} in code, outside package and import lines and comments. */
    private static final Pattern QUALIFIED = Pattern.compile("\\borg\\.vserver\\.[a-z]+(\\.[a-z]+)*\\.[A-Z]");

    @Test
    void noFullyQualifiedNamesOfOurOwnClassesInCode() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path root : List.of(Path.of("src/main/java"), Path.of("src/test/java"))) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    List<String> lines = Files.readAllLines(f);
                    for (int i = 0; i < lines.size(); i++) {
                        String l = lines.get(i).strip();
                        if (l.startsWith("package ") || l.startsWith("import ") || l.startsWith("*") || l.startsWith("//")
                                || l.startsWith("/*")) continue;
                        if (QUALIFIED.matcher(l).find()) found.add(f + ":" + (i + 1) + ": " + l);
                    }
                }
            }
        }
        assertEquals("", String.join("\n", found), "import these instead of naming them in full");
    }
}
