package io.caisson.json;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A record whose JSON may hold only its own members: one it does not know is an error naming it,
 * where by default it is ignored. For documents where a member left unread would change meaning.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface RefuseUnknown {}
