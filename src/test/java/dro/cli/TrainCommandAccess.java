package dro.cli;

import dro.backend.ChatClient;
import java.util.function.Function;

/** Lets tests in other packages plug the API clients that {@code dro train} uses. */
public final class TrainCommandAccess {

    private TrainCommandAccess() { }

    public static Function<String, ChatClient> apiClients() {
        return TrainCommand.apiClients;
    }

    public static void apiClients(Function<String, ChatClient> f) {
        TrainCommand.apiClients = f;
    }
}
