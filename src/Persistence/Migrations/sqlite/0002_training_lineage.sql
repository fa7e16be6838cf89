-- What a training run trained on and how: enough to reproduce it and to read the lineage without the files.
ALTER TABLE training_runs ADD COLUMN schedule TEXT NULL;
ALTER TABLE training_runs ADD COLUMN epochs INTEGER NULL;
ALTER TABLE training_runs ADD COLUMN seed INTEGER NULL;
ALTER TABLE training_runs ADD COLUMN train_frames INTEGER NULL;
ALTER TABLE training_runs ADD COLUMN held_out_frames INTEGER NULL;
ALTER TABLE training_runs ADD COLUMN rois INTEGER NULL;
ALTER TABLE training_runs ADD COLUMN start_epoch INTEGER NULL;
ALTER TABLE training_runs ADD COLUMN seconds REAL NULL;
