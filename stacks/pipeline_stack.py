"""The ingest pipeline: queue, pipe, state machine, the functions it runs (ingestion and the
similarity rebuild), and the daily refresh schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from contracts.names import Handler, ResourceNames
from stacks.data_stack import DataStack
from stacks.database_stack import DatabaseStack
from stacks.function_environment import function_environment
from stacks.function_timeouts import FUNCTION_TIMEOUT_SECONDS
from stacks.handler_function import HandlerFunction, stage_function
from stacks.ingest_state_machine import IngestStateMachine
from stacks.lambda_code import FunctionCode
from stacks.refresh_schedule import RefreshSchedule
from stacks.request_queue import RequestQueue
from stacks.requests_pipe import RequestsPipe
from stacks.stage_config import StageConfig
from stacks.workflow_definitions import IngestSubstitution


class PipelineStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        data: DataStack,
        database: DatabaseStack,
        ingest_workflow: Path,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        names = ResourceNames(config.name)
        self._config = config
        self._database = database.database
        self._application_secret = data.application_secret
        self._code = FunctionCode(bundling=config.bundling)

        requests = RequestQueue(
            self,
            "ArtistRequests",
            queue_name=names.requests_queue,
            dead_letter_queue_name=names.requests_dead_letter_queue,
        )
        self.requests_queue: sqs.IQueue = requests.queue
        self.dead_letter_queue: sqs.IQueue = requests.dead_letter_queue
        self._environment = function_environment(
            config=config,
            data=data,
            proxy_endpoint=database.database.endpoint,
            requests_queue=self.requests_queue,
        )

        resolve_lookups = self._function(
            "ResolveLookups",
            Handler.RESOLVE_LOOKUPS,
            "Searches Spotify again for names it refused to search while a user waited",
            memory_size=256,
            uses_database=False,
            uses_secrets=True,
        )
        data.waiters_table.grant_read_write_data(resolve_lookups.function)
        # A search Spotify refuses again goes back to the queue, delayed.
        self.requests_queue.grant_send_messages(resolve_lookups.function)
        plan_batches = self._function(
            "PlanBatches",
            Handler.PLAN_BATCHES,
            "Turns queued artist requests into batches of unique Spotify IDs",
            memory_size=256,
            uses_database=False,
            uses_secrets=False,
        )
        fetch_artists = self._function(
            "FetchArtists",
            Handler.FETCH_ARTISTS,
            "Fetches a batch of artists from Spotify into the lake and the stores",
            memory_size=512,
            uses_database=True,
            uses_secrets=True,
        )
        self.fetch_artists: lambda_.IFunction = fetch_artists.function
        self.fetch_artists_logs: logs.ILogGroup = fetch_artists.log_group
        fetch_artists.role.add_managed_policy(data.raw_artists_writer)
        fetch_artists.role.add_managed_policy(data.lake_tables_writer)
        data.genres_table.grant_write_data(fetch_artists.function)
        recompute_similarity = self._function(
            "RecomputeSimilarity",
            Handler.RECOMPUTE_SIMILARITY,
            "Recomputes the nearest neighbours of new artists",
            memory_size=1024,
            uses_database=True,
            uses_secrets=False,
        )
        notify_waiters = self._function(
            "NotifyWaiters",
            Handler.NOTIFY_WAITERS,
            "Answers the Messenger users who were waiting for newly fetched artists",
            memory_size=256,
            uses_database=True,
            uses_secrets=True,
        )
        data.waiters_table.grant_read_write_data(notify_waiters.function)
        data.last_answers_table.grant(notify_waiters.function, "dynamodb:PutItem")
        give_up_stale_waiters = self._function(
            "GiveUpStaleWaiters",
            Handler.GIVE_UP_STALE_WAITERS,
            "Gives up, counted, on waiting users whose 24-hour messaging window has closed",
            memory_size=256,
            uses_database=False,
            uses_secrets=False,
        )
        data.waiters_table.grant_read_write_data(give_up_stale_waiters.function)
        plan_refresh = self._function(
            "PlanRefresh",
            Handler.PLAN_REFRESH,
            "Lists every known artist and writes their batches as the refresh manifest",
            memory_size=256,
            uses_database=True,
            uses_secrets=False,
        )
        plan_refresh.role.add_managed_policy(data.refresh_manifest_writer)
        # Reads every artist's profile and trains the cells for catalogs of up to about a
        # million artists: the whole feature matrix is in memory at once.
        prepare_rebuild = self._function(
            "PrepareSimilarityRebuild",
            Handler.PREPARE_SIMILARITY_REBUILD,
            "Snapshots every artist's features, trains the cells and plans the rebuild's shards",
            memory_size=3008,
            uses_database=True,
            uses_secrets=False,
        )
        prepare_rebuild.role.add_managed_policy(data.similarity_snapshot_writer)
        # A prepare that fails abandons its rebuild itself, snapshot included.
        prepare_rebuild.role.add_managed_policy(data.similarity_snapshot_deleter)
        # Loads the whole snapshot and searches a shard of 25,000 artists against all of it.
        compute_shard = self._function(
            "ComputeSimilarityShard",
            Handler.COMPUTE_SIMILARITY_SHARD,
            "Computes the similar artists of one shard of a rebuild's snapshot",
            memory_size=3008,
            uses_database=True,
            uses_secrets=False,
        )
        compute_shard.role.add_managed_policy(data.similarity_snapshot_reader)
        # Catches up with what ingestion changed since the snapshot, like RecomputeSimilarity.
        finish_rebuild = self._function(
            "FinishSimilarityRebuild",
            Handler.FINISH_SIMILARITY_REBUILD,
            "Catches a rebuild up with ingestion and switches readers to its generation",
            memory_size=1024,
            uses_database=True,
            uses_secrets=False,
        )
        finish_rebuild.role.add_managed_policy(data.similarity_snapshot_deleter)
        # Only marks the generation abandoned and deletes one object.
        abandon_rebuild = self._function(
            "AbandonSimilarityRebuild",
            Handler.ABANDON_SIMILARITY_REBUILD,
            "Drops the generation of a rebuild that failed; the serving one keeps serving",
            memory_size=512,
            uses_database=True,
            uses_secrets=False,
        )
        abandon_rebuild.role.add_managed_policy(data.similarity_snapshot_deleter)

        # The functions that give up on waiting users, each with a logged reason.
        self.waiter_logs: list[logs.ILogGroup] = [
            notify_waiters.log_group,
            resolve_lookups.log_group,
            give_up_stale_waiters.log_group,
        ]
        self.ingest = IngestStateMachine(
            self,
            "Ingest",
            definition_file=ingest_workflow,
            functions={
                IngestSubstitution.RESOLVE_LOOKUPS: resolve_lookups.function,
                IngestSubstitution.PLAN_BATCHES: plan_batches.function,
                IngestSubstitution.FETCH_ARTISTS: fetch_artists.function,
                IngestSubstitution.RECOMPUTE_SIMILARITY: recompute_similarity.function,
                IngestSubstitution.NOTIFY_WAITERS: notify_waiters.function,
                IngestSubstitution.GIVE_UP_STALE_WAITERS: give_up_stale_waiters.function,
                IngestSubstitution.PLAN_REFRESH: plan_refresh.function,
                IngestSubstitution.PREPARE_SIMILARITY_REBUILD: prepare_rebuild.function,
                IngestSubstitution.COMPUTE_SIMILARITY_SHARD: compute_shard.function,
                IngestSubstitution.FINISH_SIMILARITY_REBUILD: finish_rebuild.function,
                IngestSubstitution.ABANDON_SIMILARITY_REBUILD: abandon_rebuild.function,
            },
            dead_letter_queue=self.dead_letter_queue,
            lake_bucket=data.lake_bucket,
            manifest_reader=data.refresh_manifest_reader,
            results_writer=data.refresh_results_writer,
            state_machine_name=names.ingest_state_machine,
            log_group_name=names.ingest_log_group,
            log_retention=config.log_retention,
            removal_policy=config.data_removal_policy,
        )
        RequestsPipe(
            self,
            "RequestsToIngest",
            pipe_name=names.requests_pipe,
            source=self.requests_queue,
            target=self.ingest.state_machine,
            log_group_name=names.requests_pipe_log_group,
            log_retention=config.log_retention,
            removal_policy=config.data_removal_policy,
        )
        refresh = RefreshSchedule(
            self,
            "DailyRefresh",
            schedule_name=names.refresh_schedule,
            dead_letter_queue_name=names.refresh_dead_letter_queue,
            target=self.ingest.state_machine,
        )
        self.refresh_dead_letter_queue: sqs.IQueue = refresh.dead_letter_queue

    def _function(
        self,
        construct_id: str,
        handler: str,
        description: str,
        *,
        memory_size: int,
        uses_database: bool,
        uses_secrets: bool,
    ) -> HandlerFunction:
        return stage_function(
            self,
            construct_id,
            config=self._config,
            code=self._code,
            environment=self._environment,
            handler=handler,
            description=description,
            memory_size=memory_size,
            timeout=Duration.seconds(FUNCTION_TIMEOUT_SECONDS[handler]),
            database=self._database if uses_database else None,
            application_secret=self._application_secret if uses_secrets else None,
        )
