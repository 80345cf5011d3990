//! The feed of the senders: an [`Appendable`] that writes to the local store and, once a batch
//! is committed there, hands the same samples (staleness markers included) to every remote
//! write queue. Samples the local store refused, and batches rolled back or failing to
//! commit, are not sent: remote storage sees what local storage kept.

use std::fmt;
use std::sync::Arc;

use model::labels::Labels;
use model::storage::{AppendError, Appendable, Appender, SeriesHint, StorageError};

use crate::queue::RemoteSample;
use crate::storage::RemoteStorage;

/// Local storage plus remote write.
#[derive(Clone)]
pub struct RemoteFanout {
    local: Arc<dyn Appendable>,
    remote: Arc<RemoteStorage>,
}

impl fmt::Debug for RemoteFanout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteFanout").field("remote", &self.remote).finish_non_exhaustive()
    }
}

impl RemoteFanout {
    /// Appends go to `local`; committed samples also to `remote`'s queues (whichever are
    /// configured at commit time).
    pub fn new(local: Arc<dyn Appendable>, remote: Arc<RemoteStorage>) -> Self {
        RemoteFanout { local, remote }
    }
}

impl Appendable for RemoteFanout {
    fn appender(&self) -> Box<dyn Appender + '_> {
        Box::new(FanoutAppender {
            local: self.local.appender(),
            remote: &self.remote,
            // Nothing is buffered while no queue is configured (the common case).
            buffer: self.remote.has_queues().then(Vec::new),
        })
    }
}

struct FanoutAppender<'a> {
    local: Box<dyn Appender + 'a>,
    remote: &'a RemoteStorage,
    buffer: Option<Vec<RemoteSample>>,
}

impl Appender for FanoutAppender<'_> {
    fn append(&mut self, labels: &Labels, t: i64, f: f64) -> Result<(), AppendError> {
        self.local.append(labels, t, f)?;
        if let Some(buffer) = &mut self.buffer {
            buffer.push(RemoteSample { labels: labels.clone(), t, v: f });
        }
        Ok(())
    }

    fn append_hinted(
        &mut self,
        hint: &mut SeriesHint,
        labels: &Labels,
        t: i64,
        f: f64,
    ) -> Result<(), AppendError> {
        self.local.append_hinted(hint, labels, t, f)?;
        if let Some(buffer) = &mut self.buffer {
            buffer.push(RemoteSample { labels: labels.clone(), t, v: f });
        }
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<(), StorageError> {
        let this = *self;
        this.local.commit()?;
        if let Some(buffer) = this.buffer
            && !buffer.is_empty()
        {
            this.remote.append(&buffer);
        }
        Ok(())
    }

    fn rollback(self: Box<Self>) {
        self.local.rollback();
    }
}
