//! Live mode (placeholder until the emitter lands).

use std::sync::Arc;

use crate::site::Site;
use crate::LiveOptions;

pub(crate) async fn run(_site: Arc<Site>, _options: LiveOptions) {}
