"""What health_records tells the apps above it. The layers contract forbids it to import them, so they
listen instead: each app connects its receivers in its AppConfig.ready().

`record_files_stored` is sent with `record` and `record_files` (the RecordFile rows just stored) by
`health_record_create` and `record_files_add`, inside the transaction that stores the files, once per
call. A receiver's database writes commit or roll back with the record, and an error in a receiver rolls
the whole upload back; work outside the database (a Celery task) the receiver queues with
`transaction.on_commit`. treatments listens to start reading a prescription's files.
"""

from django.dispatch import Signal

record_files_stored = Signal()
