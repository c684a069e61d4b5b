package io.jk.kubelet.server;

/** A running WebSocket session of the kubelet's API ({@code exec}, {@code attach}) that its stop ends. */
interface StreamSession {

  /** Starts copying both ways; the socket is answered with a Status and closed when the session ends. */
  void start();

  /** Ends the session now (the kubelet's server stops). */
  void kill();
}
