package io.jk.kubelet.image;

import java.util.regex.Pattern;

/**
 * A parsed image reference, normalized as Docker does: no registry means {@code docker.io}, a
 * one-part Docker Hub repository gets {@code library/}, no tag and no digest means {@code latest}.
 *
 * @param registry the registry host (and port), e.g. {@code docker.io}, {@code 127.0.0.1:5000}
 * @param repository the repository path, e.g. {@code library/busybox}
 * @param tag the tag, or {@code null} when only a digest is given
 * @param digest the manifest digest ({@code sha256:...}), or {@code null}
 */
public record ImageReference(String registry, String repository, String tag, String digest) {

  private static final Pattern REPO = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");

  /** Parses {@code text}; throws {@link ImagePullException} of kind INVALID_NAME when it is not a reference. */
  public static ImageReference parse(String text) {
    if (text == null || text.isBlank() || text.length() > 512) {
      throw invalid(text);
    }
    String rest = text.trim();
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
      if (!DIGEST.matcher(digest).matches()) {
        throw invalid(text);
      }
    }
    String tag = null;
    int slash = rest.lastIndexOf('/');
    int colon = rest.lastIndexOf(':');
    if (colon > slash) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw invalid(text);
      }
    }
    String registry = "docker.io";
    int first = rest.indexOf('/');
    if (first > 0) {
      String head = rest.substring(0, first);
      if (head.contains(".") || head.contains(":") || head.equals("localhost")) {
        registry = head;
        rest = rest.substring(first + 1);
      }
    }
    if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
      registry = "docker.io";
    }
    if (registry.equals("docker.io") && !rest.contains("/")) {
      rest = "library/" + rest;
    }
    if (!REPO.matcher(rest).matches()) {
      throw invalid(text);
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new ImageReference(registry, rest, tag, digest);
  }

  private static ImagePullException invalid(String text) {
    return new ImagePullException(ImagePullException.Kind.INVALID_NAME,
        "couldn't parse image name \"" + text + "\": invalid reference format", null);
  }

  /** The tag or digest to ask the registry for. */
  public String manifestRef() {
    return digest != null ? digest : tag;
  }

  /** {@code registry/repository}. */
  public String name() {
    return registry + "/" + repository;
  }

  /** The normalized reference, e.g. {@code docker.io/library/busybox:latest}. */
  @Override
  public String toString() {
    return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }

  /** The host the distribution API is served at ({@code registry-1.docker.io} for Docker Hub). */
  public String apiHost() {
    return registry.equals("docker.io") ? "registry-1.docker.io" : registry;
  }
}
