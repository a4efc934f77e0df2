package dev.pgsteer.proxy.sharding;

import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.ShardedCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The differential corpus again, on shards and a plain PostgreSQL whose database sorts text with ICU
 * collation 'en', as most databases have a linguistic collation: an ordering that is right only in
 * byte order shows here. The simple query protocol only (the coordinator step, which answers what the
 * merge cannot order, does not run in the extended protocol yet; the corpus's extended run is on "C").
 */
class ShardingDifferentialIcuIT extends ShardingDifferentialIT {

    @BeforeAll
    static void start() throws Exception {
        corpus = Entry.parse(resource("/sharding/corpus.sql"));
        cluster = ShardedCluster.start(LinguisticCollationIT.ICU_EN);
        plain = EmbeddedBackend.shard(LinguisticCollationIT.ICU_EN);
    }

    @Override
    @ParameterizedTest(name = "ICU 'en', preferQueryMode={0}")
    @ValueSource(strings = {"simple"})
    void everyCorpusStatementGivesTheSameAnswerThroughPgsteerAsFromOnePostgresql(String mode) throws Exception {
        super.everyCorpusStatementGivesTheSameAnswerThroughPgsteerAsFromOnePostgresql(mode);
    }
}
