package io.jk.kubelet.image;

/**
 * A user name and password for one registry host, from a {@code kubernetes.io/dockerconfigjson} secret.
 *
 * @param registry the registry host as written in the secret (e.g. {@code 127.0.0.1:5000}, {@code https://index.docker.io/v1/})
 */
public record RegistryCredential(String registry, String username, String password) {}
