"""On-disk state: settings, history, drafts. Atomic writes; 0600 where secrets may live."""
