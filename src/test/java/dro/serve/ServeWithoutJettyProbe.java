package dro.serve;

import dro.ModelLoadException;

/** Builds a {@link DroServer} as a program would, and prints what it met: run in a child JVM without Jetty. */
public final class ServeWithoutJettyProbe {

    private ServeWithoutJettyProbe() { }

    public static void main(String[] args) {
        try {
            DroServer.builder();
            System.out.println("built");
        } catch (ModelLoadException e) {
            System.out.println(e.getMessage());
        }
    }
}
