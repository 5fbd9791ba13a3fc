package dev.allspark.ops;

import java.util.concurrent.ThreadFactory;

/**
 * The services' background threads: named (so a thread dump says whose they are) and daemons (so a
 * service that failed to close cannot hold the JVM up; every service still closes its own).
 */
public final class Threads {
  private Threads() {}

  /** A daemon thread named {@code name} that runs {@code body} once started. */
  public static Thread daemon(Runnable body, String name) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }

  /** An executor's thread factory: every thread it makes is a daemon named {@code name}. */
  public static ThreadFactory daemons(String name) {
    return body -> daemon(body, name);
  }
}
