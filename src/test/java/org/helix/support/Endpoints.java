package org.helix.support;

import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** The application's REST endpoints, read from its compiled resources, so tests notice a new one. */
public final class Endpoints {

    private Endpoints() {
    }

    /** "METHOD /path" of every JAX-RS resource method compiled into the application. */
    public static List<String> all() throws IOException, ClassNotFoundException {
        return scan(false);
    }

    /** The endpoints that need credentials: under {@code @RolesAllowed}, on the method or on its class. */
    public static List<String> secured() throws IOException, ClassNotFoundException {
        return scan(true);
    }

    private static List<String> scan(boolean securedOnly) throws IOException, ClassNotFoundException {
        java.nio.file.Path classes = java.nio.file.Path.of("target/classes");
        List<String> names;
        try (Stream<java.nio.file.Path> files = Files.walk(classes)) {
            names = files.map(f -> classes.relativize(f).toString()).filter(n -> n.endsWith(".class"))
                    .map(n -> n.substring(0, n.length() - 6).replace('/', '.')).toList();
        }
        TreeSet<String> endpoints = new TreeSet<>();
        for (String name : names) {
            Class<?> type = Class.forName(name, false, Endpoints.class.getClassLoader());
            Path root = type.getAnnotation(Path.class);
            if (root == null) {
                continue;
            }
            for (Method method : type.getDeclaredMethods()) {
                for (Annotation annotation : method.getAnnotations()) {
                    HttpMethod http = annotation.annotationType().getAnnotation(HttpMethod.class);
                    boolean secured = method.isAnnotationPresent(RolesAllowed.class)
                            || (type.isAnnotationPresent(RolesAllowed.class) && !method.isAnnotationPresent(PermitAll.class));
                    if (http != null && (secured || !securedOnly)) {
                        Path sub = method.getAnnotation(Path.class);
                        String path = ("/" + root.value() + "/" + (sub == null ? "" : sub.value())).replaceAll("/+", "/");
                        endpoints.add(http.value() + " " + (path.length() > 1 ? path.replaceAll("/$", "") : path));
                    }
                }
            }
        }
        assertFalse(endpoints.isEmpty());
        return List.copyOf(endpoints);
    }
}
