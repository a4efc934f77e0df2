/**
 * JSQLParser's tree read in PostgreSQL's terms, for the analysis and the merge planner alike:
 * identifiers folded, catalog tables told apart, the source of a value ({@link
 * dev.pgsteer.router.syntax.ValueRefs}). Depends on nothing of the router but its plan vocabulary.
 */
package dev.pgsteer.router.syntax;
