package dro.backend;


/**
 * One message of a {@link ChatModelRequest}.
 *
 * @param role who says it
 * @param text what is said (not null)
 */
public record ChatMessage(Role role, String text) {

    /** Who says a message. */
    public enum Role { SYSTEM, USER, ASSISTANT }

    public ChatMessage {
        if (role == null) {
            throw new dro.InvalidRequestException("role must not be null");
        }
        if (text == null) {
            throw new dro.InvalidRequestException("text of a " + role + " message must not be null");
        }
    }

    public static ChatMessage system(String text) {
        return new ChatMessage(Role.SYSTEM, text);
    }

    public static ChatMessage user(String text) {
        return new ChatMessage(Role.USER, text);
    }

    public static ChatMessage assistant(String text) {
        return new ChatMessage(Role.ASSISTANT, text);
    }

}
