package io.jk.kubelet.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {

  static Stream<Arguments> references() {
    String d = "sha256:" + "a".repeat(64);
    return Stream.of(
        Arguments.of("busybox", "docker.io/library/busybox:latest"),
        Arguments.of("busybox:1.36", "docker.io/library/busybox:1.36"),
        Arguments.of("user/app", "docker.io/user/app:latest"),
        Arguments.of("127.0.0.1:5000/web:1", "127.0.0.1:5000/web:1"),
        Arguments.of("localhost/web", "localhost/web:latest"),
        Arguments.of("quay.io/org/app@" + d, "quay.io/org/app@" + d),
        Arguments.of("index.docker.io/library/nginx:1", "docker.io/library/nginx:1"));
  }

  @ParameterizedTest(name = "{0} normalizes to {1}")
  @MethodSource("references")
  void normalizes(String in, String want) {
    assertEquals(want, ImageReference.parse(in).toString());
  }

  @ParameterizedTest(name = "\"{0}\" is refused")
  @ValueSource(strings = {"", "UPPER/case", "a b", "busybox@sha256:short", "x:tag with space"})
  void refusesInvalid(String in) {
    ImagePullException e = assertThrows(ImagePullException.class, () -> ImageReference.parse(in));
    assertEquals(ImagePullException.Kind.INVALID_NAME, e.kind());
  }
}
