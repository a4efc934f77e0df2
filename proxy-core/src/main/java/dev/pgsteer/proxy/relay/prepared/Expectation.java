package dev.pgsteer.proxy.relay.prepared;

/**
 * What pgsteer expects as the answer to one message it sent a backend, and what to do with it.
 * PostgreSQL answers the messages of a connection in order, one completing response each, so a
 * queue of these lines answers up with questions. {@code scope}: for a Parse pgsteer sent to
 * prepare a statement, the scope it was parsed in (see {@link ParsedStatements}); else null.
 */
record Expectation(Kind kind, Action action, String clientName, String backendName, ParseScope scope) {

    enum Kind {
        /** Answered by ParseComplete '1'. */
        PARSE,
        /** BindComplete '2'. */
        BIND,
        /** CloseComplete '3'. */
        CLOSE,
        /** RowDescription 'T' or NoData 'n' (after ParameterDescription for a statement). */
        DESCRIBE,
        /** CommandComplete, PortalSuspended or EmptyQueryResponse. */
        EXECUTE,
        /** ReadyForQuery; an error before it does not end it. */
        SYNC,
        /** A simple query or function call: everything up to ReadyForQuery. */
        QUERY
    }

    enum Action {
        /** Relay the answer. */
        RELAY,
        /** pgsteer's own message: the client must not see its answer. */
        SWALLOW,
        /** A Close pgsteer sent instead of a Parse the connection did not need: answer ParseComplete. */
        ANSWER_AS_PARSE,
        /**
         * A Parse under a name of pgsteer's own, of a statement the connection has already but that
         * is not known valid in the session's scope: PostgreSQL's verdict on it, the client's.
         */
        PROBE,
        /** A Parse that met an existing statement: the error names the client's statement. */
        NAME_DUPLICATE,
        /**
         * A query pgsteer sent in place of the client's SQL {@code DEALLOCATE} of its statement
         * {@code clientName}: its success is answered as DEALLOCATE's and forgets the name.
         */
        ANSWER_AS_DEALLOCATE,
        /**
         * A Bind or Describe of a name the session has no statement under, or a query naming one of
         * pgsteer's statements, sent naming {@link StatementRelay#NOWHERE}: the backend's 26000 names
         * {@code clientName}, as PostgreSQL's would.
         */
        UNKNOWN_NAME
    }

    Expectation(Kind kind, Action action, String clientName, String backendName) {
        this(kind, action, clientName, backendName, null);
    }

    static final Expectation BIND_RELAY = new Expectation(Kind.BIND, Action.RELAY, null, null);
    static final Expectation PARSE_RELAY = new Expectation(Kind.PARSE, Action.RELAY, null, null);
    static final Expectation CLOSE_RELAY = new Expectation(Kind.CLOSE, Action.RELAY, null, null);
    static final Expectation DESCRIBE_RELAY = new Expectation(Kind.DESCRIBE, Action.RELAY, null, null);
    static final Expectation EXECUTE_RELAY = new Expectation(Kind.EXECUTE, Action.RELAY, null, null);
    static final Expectation SYNC = new Expectation(Kind.SYNC, Action.RELAY, null, null);
    static final Expectation QUERY = new Expectation(Kind.QUERY, Action.RELAY, null, null);

    boolean completedBy(byte type) {
        return switch (kind) {
            case PARSE -> type == '1' || (action == Action.ANSWER_AS_PARSE && type == '3');
            case BIND -> type == '2';
            case CLOSE -> type == '3';
            case DESCRIBE -> type == 'T' || type == 'n';
            case EXECUTE -> type == 'C' || type == 's' || type == 'I';
            case SYNC, QUERY -> type == 'Z';
        };
    }

    /** After an error the backend skips to the next Sync; these are the expectations it ends. */
    boolean endsSkipping() {
        return kind == Kind.SYNC || kind == Kind.QUERY;
    }
}
