package io.jk.kubelet.server.portforward;

/** One client's port-forward WebSocket, in one of the protocols the kubelet speaks. */
interface PortForwardSession {

  /** Installs the socket's handlers (called on its event loop). */
  void start();

  /** Ends every forwarded connection and closes the socket. */
  void close();
}
