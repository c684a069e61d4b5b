package io.jk.kubelet.server.portforward.spdy;

/** A peer broke the SPDY/3.1 framing rules; the connection cannot go on. */
public final class SpdyProtocolException extends Exception {

  /** An error with the given description. */
  public SpdyProtocolException(String message) {
    super(message, null, false, false);
  }
}
