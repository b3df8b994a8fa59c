package dro;

/**
 * dro4j refused a call before doing anything: an argument, a setting, a request or an input file's content that can
 * never work as given (a temperature out of range, a feature the model lacks, a malformed queries file, a closed
 * model, a stream asked for its result before its end). The message names the argument and the value given. Nothing
 * was sent to a model or an endpoint.
 *
 * <p>Not retriable: the same call fails the same way; change the argument. Compare {@link BadRequestException}, which
 * an endpoint answered (HTTP 400) to a request dro4j did send.
 */
public class InvalidRequestException extends DroException {

    public InvalidRequestException(String message) {
        super(message);
    }

    public InvalidRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
