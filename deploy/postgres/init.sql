-- One database per context, so each service owns its data (and could move to its own server).
CREATE DATABASE identity;
CREATE DATABASE notifications;
CREATE DATABASE messaging;
CREATE DATABASE catalog;
CREATE DATABASE booking;
CREATE DATABASE payments;
CREATE DATABASE search;
CREATE DATABASE reviews;
CREATE DATABASE travel;
CREATE DATABASE media;
CREATE DATABASE insights;
CREATE DATABASE audit;
CREATE DATABASE ai;
