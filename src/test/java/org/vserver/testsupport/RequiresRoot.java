package org.vserver.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test (class or method) that changes the real host: it runs only as root and is skipped, never
 * passed, otherwise; {@code -Dvserver.it=false} skips it too (unit-only runs). {@link HostFeatures}
 * decides.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(HostFeatures.class)
public @interface RequiresRoot {
    /** What the test does as root, for the skip message. */
    String value() default "";
}
