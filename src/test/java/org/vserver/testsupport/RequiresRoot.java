package org.vserver.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test (class or method) that changes the real host: it runs only as root and is skipped, never
 * passed, otherwise ({@link HostFeatures} decides). A unit-only run ({@code -Dvserver.it=false})
 * leaves every test tagged {@code host} out of the run altogether instead of skipping it, so that
 * a skip always means a host that lacks something.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(HostFeatures.class)
@Tag("host")    // -Dvserver.it=false leaves the tag out of the run: not run, so never a skip
public @interface RequiresRoot {
    /** What the test does as root, for the skip message. */
    String value() default "";
}
