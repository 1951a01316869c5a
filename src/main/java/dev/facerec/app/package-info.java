/** Entry point: the command line and the deployment plan. */
package dev.facerec.app;
