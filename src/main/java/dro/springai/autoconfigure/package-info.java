/**
 * Spring Boot auto-configuration of dro4j: properties under {@code dro4j} (an {@link dro.springai.DroAdvisor} for
 * the auto-configured {@code ChatClient.Builder}, and with {@code dro4j.model} an {@link dro.AutoModel} and a
 * {@link dro.springai.DroChatModel}); switched on by Spring Boot's {@code AutoConfiguration.imports}.
 *
 * <p>Layer 7, on {@code dro.springai}: uses any layer below; nothing in dro4j uses it.
 */
package dro.springai.autoconfigure;
