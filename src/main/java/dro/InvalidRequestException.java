package dro;

/** An argument or setting that can never work; the message names the argument and the value given. */
public class InvalidRequestException extends DroException {

    public InvalidRequestException(String message) {
        super(message);
    }

    public InvalidRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
