package dro.cli;

import dro.backend.ChatModel;
import java.util.function.BiFunction;

/** Lets tests in other packages plug the API clients that {@code dro train} uses. */
public final class TrainCommandAccess {

    private TrainCommandAccess() { }

    public static BiFunction<String, Boolean, ChatModel> apiClients() {
        return TrainCommand.apiClients;
    }

    public static void apiClients(BiFunction<String, Boolean, ChatModel> f) {
        TrainCommand.apiClients = f;
    }
}
