// TODO: placeholder until this subsystem lands.
